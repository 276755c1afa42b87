using System.Text.Json;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using NacosSync.Nacos.Protocol;
using NacosSync.Sandbox.Auth;

namespace NacosSync.Sandbox.Grpc;

/// <summary>
/// The two Nacos gRPC methods of one node: unary <c>Request/request</c> (GrpcRequestAcceptor) and
/// <c>BiRequestStream/requestBiStream</c> (GrpcBiStreamRequestAcceptor), reference §9.
/// </summary>
internal sealed class NacosGrpcService
{
    /// <summary>api/.../ability/register/impl/ServerAbilities.java (2.4.3): the one server ability.</summary>
    private static readonly IReadOnlyDictionary<string, bool> ServerAbilities = new Dictionary<string, bool>(StringComparer.Ordinal)
    {
        ["supportPersistentInstanceByGrpc"] = true,
    };

    private readonly SandboxNode _node;
    private readonly GrpcProfile _profile;
    private readonly IReadOnlyDictionary<string, GrpcHandler> _handlers;

    public NacosGrpcService(SandboxNode node, GrpcProfile profile)
    {
        _node = node;
        _profile = profile;
        _handlers = GrpcHandlers.For(profile);
    }

    private GrpcConnections Connections => _node.Grpc.Connections;

    private DateTimeOffset Now => _node.Cluster.Clock.GetUtcNow();

    /// <summary>GrpcRequestAcceptor.request: server check, handler lookup, connection check, parse, auth filter, handle.</summary>
    public async Task<Payload> RequestAsync(Payload request, ServerCallContext context)
    {
        await _node.ConnectionFaults.WhileStalledAsync(context.CancellationToken);
        var type = request.Metadata?.Type ?? "";
        _node.Requests.CountGrpc(type);
        var transport = Connections.Transport(context.GetHttpContext().Connection.Id);
        if (type == "ServerCheckRequest")
        {
            return GrpcPayloads.Response(new ServerCheckResponse(transport?.ConnectionId ?? "", _profile.SetupAck ? true : null));
        }

        if (!_handlers.TryGetValue(type, out var handler))
        {
            return GrpcPayloads.Response(ErrorResponse.Of(NacosErrorCodes.NoHandler, "RequestHandler Not Found"));
        }

        if (transport is null || Connections.Find(transport.ConnectionId) is not { } connection)
        {
            return GrpcPayloads.Response(ErrorResponse.Of(NacosErrorCodes.UnRegister, "Connection is unregistered."));
        }

        connection.Touch(Now);
        var headers = new Dictionary<string, string>(request.Metadata!.Headers, StringComparer.OrdinalIgnoreCase);
        try
        {
            if (handler.Secured && await RefuseAsync(handler, new GrpcCall(_node, connection, request, headers, context.CancellationToken)) is { } message)
            {
                return GrpcPayloads.Response(handler.Refusal().WithError(NacosErrorCodes.NoRight, message));
            }

            var response = await handler.Handle(new GrpcCall(_node, connection, request, headers, context.CancellationToken));
            return GrpcPayloads.Response(response);
        }
        catch (JsonException exception)
        {
            return GrpcPayloads.Response(ErrorResponse.Of(NacosErrorCodes.BadGateway, exception.Message));
        }
        catch (NacosRequestException exception)
        {
            return GrpcPayloads.Response(ErrorResponse.Thrown(exception.ErrorCode, exception.Message));
        }
    }

    /// <summary>
    /// GrpcBiStreamRequestAcceptor.requestBiStream: a ConnectionSetupRequest registers the connection
    /// (2.3+: SetupAckRequest when it carried an ability table); responses answer server pushes.
    /// </summary>
    public async Task BiStreamAsync(IAsyncStreamReader<Payload> input, IServerStreamWriter<Payload> output, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var transport = Connections.Transport(context.GetHttpContext().Connection.Id);
        GrpcConnection? connection = null;
        Task writer = Task.CompletedTask;
        try
        {
            while (await input.MoveNext(ct))
            {
                await _node.ConnectionFaults.WhileStalledAsync(ct);
                var payload = input.Current;
                var type = payload.Metadata?.Type ?? "";
                _node.Requests.CountGrpcStream(type);
                if (type == "ConnectionSetupRequest" && transport is not null && connection is null)
                {
                    ConnectionSetupRequest setup;
                    try
                    {
                        setup = GrpcPayloads.Parse<ConnectionSetupRequest>(payload);
                    }
                    catch (JsonException exception)
                    {
                        SandboxGrpcLog.BadStreamPayload(_node.Cluster.Logger, _node.Index, type, exception.Message);
                        continue;
                    }

                    connection = new GrpcConnection(transport, setup, Now);
                    writer = WriteAsync(connection, output, ct);
                    Connections.Register(connection);
                    if (_profile.SetupAck && setup.AbilityTable is not null)
                    {
                        Connections.Push(connection, new SetupAckRequest(ServerAbilities), expectAck: false);
                    }
                }
                else if (connection is not null && type.EndsWith("Response", StringComparison.Ordinal))
                {
                    var (requestId, success) = GrpcPayloads.ReadAck(payload);
                    connection.Acknowledge(requestId, success, Now);
                }
                else
                {
                    SandboxGrpcLog.BadStreamPayload(_node.Cluster.Logger, _node.Index, type, "unknown payload on the bi-stream");
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client or the server closed the connection.
        }
        catch (IOException)
        {
            // The transport went away mid-read.
        }

        // The client completed its side: the server completes its own; the connection stays registered
        // until the transport ends (AddressTransportFilter.transportTerminated).
        connection?.CompleteStream();
        await writer;
    }

    private async Task WriteAsync(GrpcConnection connection, IServerStreamWriter<Payload> output, CancellationToken ct)
    {
        try
        {
            await foreach (var payload in connection.Outbound.ReadAllAsync(ct))
            {
                await _node.ConnectionFaults.WhileStalledAsync(ct);
                await output.WriteAsync(payload, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The call ended.
        }
        catch (InvalidOperationException)
        {
            // The call completed while a push was queued.
        }
        catch (IOException)
        {
            // The transport went away mid-write.
        }
    }

    /// <summary>
    /// RemoteRequestAuthFilter: the refusal message when auth is on and the headers carry no valid
    /// identity (2.x: the AccessException text; 3.x: AuthResult.format of a 401), then validateAuthority on
    /// the handler's resource: "authorization failed!" (3.x: "Code: 403, Message: authorization failed!.").
    /// </summary>
    private async Task<string?> RefuseAsync(GrpcHandler handler, GrpcCall call)
    {
        var auth = _node.Cluster.Auth;
        if (!auth.Enabled)
        {
            return null;
        }

        var headers = call.Headers;
        var failure = auth.CheckCredentials(Header(headers, "accessToken"), Header(headers, "username"), Header(headers, "password"), out var user);
        if (failure == AuthFailure.None)
        {
            if (user is null || handler.Permission is null)
            {
                return null;
            }

            var permission = handler.Permission(call);
            return await auth.AuthorizeAsync(user, permission.Resource, permission.Action, call.Ct) ? null : auth.AuthorizationMessage;
        }

        var message = SandboxAuth.ShortMessage(failure);
        return _profile.AuthResultFormat ? $"Code: {StatusCodes.Status401Unauthorized}, Message: {message}." : message;
    }

    private static string? Header(IReadOnlyDictionary<string, string> headers, string name) => headers.TryGetValue(name, out var value) ? value : null;
}
