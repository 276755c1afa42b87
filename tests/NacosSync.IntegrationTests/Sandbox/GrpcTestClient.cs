using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using NacosSync.Nacos.Protocol;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Sandbox;

/// <summary>A payload as received: metadata.type and the JSON body.</summary>
internal sealed record GrpcMessage(string Type, JsonObject Body);

/// <summary>
/// A bare Nacos gRPC client for the sandbox's tests: a raw channel, the Protocol descriptors and
/// hand-written JSON named as in the Nacos Java classes (not the daemon's client, so that the two
/// cannot share a mistake). Pushes land in <see cref="Pushes"/>; with <see cref="AnswerPushes"/> each
/// is answered as the Java client does (GrpcClient: the request type with "Request" → "Response",
/// carrying its requestId).
/// </summary>
internal sealed class GrpcTestClient : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly CancellationTokenSource _closing = new();

    // A gRPC request stream takes one write at a time; the push reader's answers and the test's own messages share it.
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private AsyncDuplexStreamingCall<Payload, Payload>? _stream;
    private Task _reader = Task.CompletedTask;

    // One HTTP/2 connection per channel, as grpc-java's ManagedChannel: the server knows a request's
    // connection by its transport, so a unary call on a second connection would be "unregistered".
    private GrpcTestClient(string address) =>
        _channel = GrpcChannel.ForAddress($"http://{address}", new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 10 * 1024 * 1024,
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false },
            DisposeHttpClient = true,
        });

    public string ConnectionId { get; private set; } = "";

    /// <summary>The ServerCheckResponse body of the handshake.</summary>
    public JsonObject ServerCheck { get; private set; } = [];

    /// <summary>Server pushes in arrival order.</summary>
    public Channel<GrpcMessage> Pushes { get; } = Channel.CreateUnbounded<GrpcMessage>();

    /// <summary>Answer each push with a success response (a silent client when false).</summary>
    public bool AnswerPushes { get; set; } = true;

    /// <summary>Headers sent with every unary request (e.g. accessToken).</summary>
    public Dictionary<string, string> Headers { get; } = [];

    /// <summary>A channel to the node's gRPC port without a handshake.</summary>
    public static GrpcTestClient Open(SandboxNode node) => new(node.GrpcAddress ?? throw new InvalidOperationException("the profile has no gRPC"));

    /// <summary>
    /// The handshake of reference §9: ServerCheckRequest, the bi-stream, ConnectionSetupRequest (with an
    /// ability table, so a 2.3+ server pushes SetupAckRequest, which this waits for when <paramref name="waitForSetupAck"/>).
    /// </summary>
    public static async Task<GrpcTestClient> ConnectAsync(SandboxNode node, string module = "naming", bool waitForSetupAck = true)
    {
        var client = Open(node);
        var check = await client.RequestAsync("ServerCheckRequest", new JsonObject());
        Assert.That(check.Type, Is.EqualTo("ServerCheckResponse"), "the server check answers first (GrpcRequestAcceptor)");
        client.ServerCheck = check.Body;
        client.ConnectionId = (string)check.Body["connectionId"]!;
        client._stream = client._channel.CreateCallInvoker().AsyncDuplexStreamingCall(NacosGrpcMethods.BiRequestStream, null, new CallOptions(cancellationToken: client._closing.Token));
        client._reader = client.ReadPushesAsync();
        await client.SendOnStreamAsync("ConnectionSetupRequest", new JsonObject
        {
            ["clientVersion"] = "Nacos-Java-Client:v2.4.3",
            ["tenant"] = "",
            ["labels"] = new JsonObject { ["source"] = "sdk", ["module"] = module },
            ["abilityTable"] = new JsonObject(),
            ["module"] = "internal",
            ["headers"] = new JsonObject(),
        });
        if (waitForSetupAck)
        {
            var ack = await client.NextPushAsync();
            Assert.That(ack.Type, Is.EqualTo("SetupAckRequest"), "a 2.3+ server acknowledges a set-up that carried an ability table");
        }

        return client;
    }

    /// <summary>One unary request; the answer's metadata.type and body.</summary>
    public async Task<GrpcMessage> RequestAsync(string type, JsonObject body, TimeSpan? timeout = null)
    {
        body["headers"] ??= new JsonObject();
        body["requestId"] ??= Guid.NewGuid().ToString("N");
        var payload = Build(type, body);
        foreach (var (key, value) in Headers)
        {
            payload.Metadata.Headers[key] = value;
        }

        var options = new CallOptions(deadline: DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10)));
        var answer = await _channel.CreateCallInvoker().AsyncUnaryCall(NacosGrpcMethods.Request, null, options, payload);
        return Read(answer);
    }

    /// <summary>The next push, failing the test when none arrives within <paramref name="timeout"/>.</summary>
    public async Task<GrpcMessage> NextPushAsync(TimeSpan? timeout = null)
    {
        using var wait = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            return await Pushes.Reader.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("no server push arrived in time");
            throw;
        }
        catch (ChannelClosedException)
        {
            Assert.Fail("the server closed the connection while a push was awaited");
            throw;
        }
    }

    /// <summary>Completes when the server has closed the bi-stream or the connection.</summary>
    public Task Closed => Pushes.Reader.Completion;

    /// <summary>The next push of <paramref name="type"/>, skipping others.</summary>
    public async Task<GrpcMessage> NextPushAsync(string type, TimeSpan? timeout = null)
    {
        while (true)
        {
            var push = await NextPushAsync(timeout);
            if (push.Type == type)
            {
                return push;
            }
        }
    }

    public async Task SendOnStreamAsync(string type, JsonObject body)
    {
        await _writeLock.WaitAsync();
        try
        {
            await _stream!.RequestStream.WriteAsync(Build(type, body));
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Closes the channel (the TCP connection), as a client process exit would.</summary>
    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        try
        {
            await _reader;
        }
        catch (Exception ex) when (ex is RpcException or IOException)
        {
            // The stream ends with the channel; after a server-side drop, answering a push that was already in
            // flight meets a reset connection (IOException), which is the same end.
        }

        _stream?.Dispose();
        _channel.Dispose();
        _closing.Dispose();
        _writeLock.Dispose();
    }

    private static Payload Build(string type, JsonObject body) => new()
    {
        Metadata = new NacosSync.Nacos.Protocol.Metadata { Type = type, ClientIp = "127.0.0.1" },
        Body = new Any { Value = ByteString.CopyFromUtf8(body.ToJsonString()) },
    };

    private static GrpcMessage Read(Payload payload) =>
        new(payload.Metadata.Type, JsonNode.Parse(Encoding.UTF8.GetString(payload.Body.Value.Span))!.AsObject());

    private async Task ReadPushesAsync()
    {
        try
        {
            await foreach (var payload in _stream!.ResponseStream.ReadAllAsync(_closing.Token))
            {
                var push = Read(payload);
                await Pushes.Writer.WriteAsync(push);
                if (AnswerPushes && push.Type.EndsWith("Request", StringComparison.Ordinal))
                {
                    await SendOnStreamAsync(push.Type[..^"Request".Length] + "Response", new JsonObject
                    {
                        ["resultCode"] = 200,
                        ["errorCode"] = 0,
                        ["requestId"] = (string?)push.Body["requestId"],
                        ["success"] = true,
                    });
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Closing.
        }
        catch (RpcException)
        {
            // The server closed the connection.
        }
        finally
        {
            Pushes.Writer.TryComplete();
        }
    }
}

/// <summary>Waits (real time, bounded) for something the server does on another thread.</summary>
internal static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting until {what}");
            }

            await Task.Delay(20);
        }
    }
}

/// <summary>Naming requests as the Java client's NamingGrpcClientProxy builds them (field names of the Java classes).</summary>
internal static class GrpcNaming
{
    public static JsonObject Instance(string ip, int port, string cluster = "DEFAULT") => new()
    {
        ["ip"] = ip,
        ["port"] = port,
        ["weight"] = 1.0,
        ["healthy"] = true,
        ["enabled"] = true,
        ["ephemeral"] = true,
        ["clusterName"] = cluster,
        ["metadata"] = new JsonObject { ["from"] = "grpc" },
    };

    public static async Task<GrpcMessage> RegisterAsync(GrpcTestClient client, string service, string ip, int port)
    {
        var answer = await client.RequestAsync("InstanceRequest", Base(service, new JsonObject { ["type"] = "registerInstance", ["instance"] = Instance(ip, port) }));
        Assert.That((int?)answer.Body["resultCode"], Is.EqualTo(200), $"register should succeed: {answer.Body.ToJsonString()}");
        return answer;
    }

    public static Task<GrpcMessage> DeregisterAsync(GrpcTestClient client, string service, string ip, int port) =>
        client.RequestAsync("InstanceRequest", Base(service, new JsonObject { ["type"] = "deregisterInstance", ["instance"] = Instance(ip, port) }));

    public static async Task<GrpcMessage> BatchRegisterAsync(GrpcTestClient client, string service, params (string Ip, int Port)[] instances)
    {
        var list = new JsonArray([.. instances.Select(i => (JsonNode)Instance(i.Ip, i.Port))]);
        var answer = await client.RequestAsync("BatchInstanceRequest", Base(service, new JsonObject { ["type"] = "batchRegisterInstance", ["instances"] = list }));
        Assert.That((int?)answer.Body["resultCode"], Is.EqualTo(200), $"batch register should succeed: {answer.Body.ToJsonString()}");
        return answer;
    }

    public static Task<GrpcMessage> SubscribeAsync(GrpcTestClient client, string service, bool subscribe = true) =>
        client.RequestAsync("SubscribeServiceRequest", Base(service, new JsonObject { ["subscribe"] = subscribe, ["clusters"] = "" }));

    public static JsonObject Base(string service, JsonObject body)
    {
        body["namespace"] = "public";
        body["serviceName"] = service;
        body["groupName"] = "DEFAULT_GROUP";
        body["module"] = "naming";
        return body;
    }

    /// <summary>The ips:ports of a ServiceInfo's hosts, sorted.</summary>
    public static IReadOnlyList<string> Hosts(JsonNode? serviceInfo) =>
        [.. serviceInfo!["hosts"]!.AsArray().Select(h => $"{(string?)h!["ip"]}:{(int?)h["port"]}").Order(StringComparer.Ordinal)];
}
