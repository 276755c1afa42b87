using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NacosSync.Nacos.Protocol;
using Metadata = NacosSync.Nacos.Protocol.Metadata;

namespace NacosSync.IntegrationTests.Grpc;

/// <summary>A message a client sent: its <c>metadata.type</c>, JSON body and headers, and the connection it came on.</summary>
internal sealed record ReceivedMessage(string ConnectionId, string Type, JsonObject Body, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// A minimal Nacos gRPC server, scripted from alibaba/nacos core/.../remote/grpc/GrpcRequestAcceptor.java
/// and GrpcBiStreamRequestAcceptor.java, for the client's connection tests until the sandbox serves
/// gRPC: the connection id is the HTTP/2 connection's; ServerCheckRequest answers it; unary calls of an
/// unregistered connection answer UN_REGISTER (301); a ConnectionSetupRequest with an ability table
/// registers the connection and is followed by a SetupAckRequest sent without waiting for an ack.
/// Bodies are read and written as raw JSON (nulls left out, as JacksonUtils writes), not with the
/// client's records, so a shared mistake shows.
/// </summary>
internal sealed class ScriptedNacosGrpcServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Connection> _connections = new();
    private readonly bool _abilityNegotiation;
    private readonly TimeSpan _registrationDelay;

    private ScriptedNacosGrpcServer(WebApplication app, bool abilityNegotiation, TimeSpan registrationDelay)
    {
        _app = app;
        _abilityNegotiation = abilityNegotiation;
        _registrationDelay = registrationDelay;
    }

    /// <summary>Every unary request and stream message, in arrival order.</summary>
    public Channel<ReceivedMessage> Received { get; } = Channel.CreateUnbounded<ReceivedMessage>();

    /// <summary>The node's HTTP address as the client is configured with it: gRPC listens on its port + 1000.</summary>
    public Uri HttpAddress { get; private set; } = null!;

    /// <param name="abilityNegotiation">2.3+ behaviour (<c>supportAbilityNegotiation</c> and a setup ack); false: 2.2.</param>
    /// <param name="registrationDelay">
    /// How long the setup takes to register: in Nacos the stream and the unary calls are served
    /// independently, so a unary call can overtake the setup it follows.
    /// </param>
    public static async Task<ScriptedNacosGrpcServer> StartAsync(bool abilityNegotiation = true, TimeSpan registrationDelay = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 10 * 1024 * 1024);
        ScriptedNacosGrpcServer? server = null;
        builder.Services.AddSingleton<IServiceMethodProvider<NacosGrpcService>>(_ => new MethodProvider(server!));
        var app = builder.Build();
        server = new ScriptedNacosGrpcServer(app, abilityNegotiation, registrationDelay);
        app.MapGrpcService<NacosGrpcService>();
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        server.HttpAddress = new Uri($"http://127.0.0.1:{address.Port - 1000}");
        return server;
    }

    /// <summary>The next received message of <paramref name="type"/> (others are skipped).</summary>
    public async Task<ReceivedMessage> NextAsync(string type)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var message = await Received.Reader.ReadAsync(guard.Token);
            if (message.Type == type)
            {
                return message;
            }
        }
    }

    public IReadOnlyCollection<string> ConnectionIds => _connections.Keys.ToList();

    /// <summary>Sends a server request on the connection's stream (as <c>GrpcConnection.sendRequestInner</c> does, with a request id).</summary>
    public async Task PushAsync(string connectionId, string type, string json)
    {
        var connection = _connections[connectionId];
        await connection.WriteAsync(Payload(type, json));
    }

    /// <summary>Ends the connection's stream from the server side, as a node that unregisters the connection does.</summary>
    public void Drop(string connectionId)
    {
        if (_connections.TryRemove(connectionId, out var connection))
        {
            connection.Drop.Cancel();
        }
    }

    private async Task<Payload> UnaryAsync(Payload request, ServerCallContext context)
    {
        var id = context.GetHttpContext().Connection.Id;
        var type = request.Metadata.Type;
        Received.Writer.TryWrite(new ReceivedMessage(id, type, Body(request), request.Metadata.Headers.ToDictionary()));
        var answer = type switch
        {
            "ServerCheckRequest" => Payload("ServerCheckResponse",
                $$"""{"resultCode":200,"errorCode":0,"connectionId":"{{id}}","supportAbilityNegotiation":{{(_abilityNegotiation ? "true" : "false")}},"success":true}"""),
            _ when !_connections.ContainsKey(id) => Payload("ErrorResponse",
                """{"resultCode":500,"errorCode":301,"message":"Connection is unregistered.","success":false}"""),
            "HealthCheckRequest" => Payload("HealthCheckResponse", """{"resultCode":200,"errorCode":0,"success":true}"""),
            // Never answered in time: a node that hangs on a request.
            "ServiceQueryRequest" => await HangAsync(context.CancellationToken),
            "SubscribeServiceRequest" => Payload("SubscribeServiceResponse",
                """{"resultCode":200,"errorCode":0,"serviceInfo":{"name":"svc","groupName":"DEFAULT_GROUP","clusters":"","hosts":[],"cacheMillis":10000,"lastRefTime":0,"checksum":"","allIps":false,"reachProtectionThreshold":false,"valid":true},"success":true}"""),
            _ => Payload("ErrorResponse", """{"resultCode":500,"errorCode":302,"message":"RequestHandler Not Found","success":false}"""),
        };
        return answer;
    }

    private async Task StreamAsync(IAsyncStreamReader<Payload> requests, IServerStreamWriter<Payload> responses, ServerCallContext context)
    {
        var id = context.GetHttpContext().Connection.Id;
        using var connection = new Connection(responses);
        try
        {
            await foreach (var payload in requests.ReadAllAsync(connection.Drop.Token))
            {
                var body = Body(payload);
                if (payload.Metadata.Type == "ConnectionSetupRequest")
                {
                    await Task.Delay(_registrationDelay, connection.Drop.Token);
                    _connections[id] = connection;
                    if (_abilityNegotiation && body["abilityTable"] is JsonObject)
                    {
                        await connection.WriteAsync(Payload("SetupAckRequest",
                            """{"headers":{},"abilityTable":{"supportPersistentInstanceByGrpc":true,"fuzzyWatch":true},"module":"internal"}"""));
                    }
                }

                Received.Writer.TryWrite(new ReceivedMessage(id, payload.Metadata.Type, body, payload.Metadata.Headers.ToDictionary()));
            }
        }
        catch (OperationCanceledException) when (connection.Drop.IsCancellationRequested)
        {
            // Dropped by the test: returning ends the stream.
        }
        finally
        {
            _connections.TryRemove(new KeyValuePair<string, Connection>(id, connection));
        }
    }

    private static async Task<Payload> HangAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return new Payload();
    }

    private static JsonObject Body(Payload payload) => JsonNode.Parse(payload.Body.Value.ToStringUtf8())?.AsObject() ?? [];

    private static Payload Payload(string type, string json) => new()
    {
        Metadata = new Metadata { Type = type },
        Body = new Google.Protobuf.WellKnownTypes.Any { Value = ByteString.CopyFromUtf8(json) },
    };

    public async ValueTask DisposeAsync()
    {
        foreach (var id in _connections.Keys)
        {
            Drop(id);
        }

        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stopping.Token);
        await _app.DisposeAsync();
    }

    private sealed class Connection(IServerStreamWriter<Payload> writer) : IDisposable
    {
        private readonly SemaphoreSlim _lock = new(1, 1);

        public CancellationTokenSource Drop { get; } = new();

        public async Task WriteAsync(Payload payload)
        {
            await _lock.WaitAsync();
            try
            {
                await writer.WriteAsync(payload);
            }
            finally
            {
                _lock.Release();
            }
        }

        public void Dispose()
        {
            Drop.Dispose();
            _lock.Dispose();
        }
    }

    /// <summary>The service the two hand-declared methods are bound to.</summary>
    internal sealed class NacosGrpcService;

    private sealed class MethodProvider(ScriptedNacosGrpcServer server) : IServiceMethodProvider<NacosGrpcService>
    {
        public void OnServiceMethodDiscovery(ServiceMethodProviderContext<NacosGrpcService> context)
        {
            context.AddUnaryMethod(NacosGrpcMethods.Request, [], (_, request, call) => server.UnaryAsync(request, call));
            context.AddDuplexStreamingMethod(NacosGrpcMethods.BiRequestStream, [], (_, requests, responses, call) => server.StreamAsync(requests, responses, call));
        }
    }
}
