using System.Net.Http;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using NacosSync.Nacos.Grpc.Messages;
using NacosSync.Nacos.Transport;

namespace NacosSync.Nacos.Grpc;

/// <summary>
/// Opens sessions in the order of <c>GrpcClient.connectToServer</c>: a new channel (one HTTP/2
/// connection, cleartext, PINGs every <see cref="NacosGrpcOptions.KeepAlivePingDelay"/>), unary
/// <c>ServerCheckRequest</c> → connection id, the bi-stream, <c>ConnectionSetupRequest</c>, and, when
/// the server announced ability negotiation, its <c>SetupAckRequest</c>: until then the server has
/// not registered the connection and answers unary calls with <c>UN_REGISTER</c>.
/// </summary>
internal sealed class GrpcSessionOpener(NacosGrpcOptions options, GrpcPushDispatcher dispatcher, TimeProvider time, ILogger logger)
    : IGrpcSessionOpener
{
    public async Task<IGrpcSession> OpenAsync(int nodeIndex, CancellationToken cancellationToken)
    {
        var node = options.Servers[nodeIndex];
        var channel = GrpcChannel.ForAddress(options.GrpcAddress(node), new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                // The server binds the connection id to the HTTP/2 connection: all calls must share one.
                EnableMultipleHttp2Connections = false,
                KeepAlivePingDelay = options.KeepAlivePingDelay,
                KeepAlivePingTimeout = options.KeepAlivePingTimeout,
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
                ConnectTimeout = options.ServerCheckTimeout,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            },
            DisposeHttpClient = true,
            MaxReceiveMessageSize = options.MaxMessageSize,
            MaxSendMessageSize = options.MaxMessageSize,
        });
        GrpcSession? session = null;
        try
        {
            var check = await ServerCheckAsync(channel, node, cancellationToken).ConfigureAwait(false);
            session = new GrpcSession(channel, check.ConnectionId!, nodeIndex, options, dispatcher, time, logger);
            await session.StartAsync(new ConnectionSetupRequest
            {
                ClientVersion = options.ClientVersion,
                Tenant = options.Tenant,
                Labels = new Dictionary<string, string> { ["source"] = "sdk", ["module"] = options.Module, ["AppName"] = options.AppName },
                // Non-null, even empty, asks a 2.3+ server for its setup ack (GrpcBiStreamRequestAcceptor).
                AbilityTable = new Dictionary<string, bool>(),
            }, cancellationToken).ConfigureAwait(false);
            if (check.SupportAbilityNegotiation)
            {
                await AwaitSetupAckAsync(session, node, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await AwaitRegisteredAsync(session, node, cancellationToken).ConfigureAwait(false);
            }

            return session;
        }
        catch
        {
            if (session is not null)
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                channel.Dispose();
            }

            throw;
        }
    }

    private async Task<ServerCheckResponse> ServerCheckAsync(GrpcChannel channel, Uri node, CancellationToken cancellationToken)
    {
        var invoker = channel.CreateCallInvoker();
        var request = GrpcPayloadCodec.Encode(new ServerCheckRequest(), options.ClientIp);
        object answer;
        try
        {
            answer = GrpcPayloadCodec.Decode(await GrpcSession.CallAsync(invoker, request, options.ServerCheckTimeout, time, cancellationToken).ConfigureAwait(false));
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new NacosUnreachableException($"Nacos cluster {options.Name}: node {node} failed ServerCheckRequest: {GrpcSession.Describe(e)}", e);
        }
        catch (GrpcPayloadException e)
        {
            throw new NacosMalformedResponseException($"Nacos cluster {options.Name}: node {node} answered ServerCheckRequest with {e.Message}", e);
        }

        return answer switch
        {
            ServerCheckResponse { IsSuccess: true, ConnectionId: { Length: > 0 } } ok => ok,
            GrpcResponse refused => throw new NacosUnreachableException(
                $"Nacos cluster {options.Name}: node {node} refused ServerCheckRequest: {refused.ErrorCode} {refused.Message}"),
            _ => throw new NacosMalformedResponseException(
                $"Nacos cluster {options.Name}: node {node} answered ServerCheckRequest with a {answer.GetType().Name}"),
        };
    }

    /// <summary>
    /// Before 2.3 nothing says when the server registered the connection (the Java client of that time
    /// slept 100 ms): health checks until one is answered, so the first real request is not refused
    /// with <c>UN_REGISTER</c>, which would be taken for a lost connection.
    /// </summary>
    private async Task AwaitRegisteredAsync(GrpcSession session, Uri node, CancellationToken cancellationToken)
    {
        var until = time.GetTimestamp();
        while (true)
        {
            var request = GrpcPayloadCodec.Encode(new HealthCheckRequest(), options.ClientIp);
            object answer;
            try
            {
                answer = GrpcPayloadCodec.Decode(await session.UnaryAsync(request, options.HealthCheckTimeout, cancellationToken).ConfigureAwait(false));
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new NacosUnreachableException($"Nacos cluster {options.Name}: node {node} failed HealthCheckRequest during setup: {GrpcSession.Describe(e)}", e);
            }

            if (answer is GrpcResponse { IsSuccess: true })
            {
                return;
            }

            if (answer is not ErrorResponse { ErrorCode: NacosErrorCodes.Unregistered } || time.GetElapsedTime(until) >= options.SetupAckTimeout)
            {
                var detail = answer is GrpcResponse r ? $"{r.ErrorCode} {r.Message}" : answer.GetType().Name;
                throw new NacosUnreachableException($"Nacos cluster {options.Name}: node {node} did not register connection {session.ConnectionId}: {detail}");
            }

            await Task.Delay(RegistrationPoll, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static readonly TimeSpan RegistrationPoll = TimeSpan.FromMilliseconds(50);

    private async Task AwaitSetupAckAsync(GrpcSession session, Uri node, CancellationToken cancellationToken)
    {
        var lost = session.Lost;
        var acked = session.SetupAcked;
        Task first;
        try
        {
            first = await Task.WhenAny(acked, lost).WaitAsync(options.SetupAckTimeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new NacosUnreachableException(
                $"Nacos cluster {options.Name}: node {node} sent no SetupAckRequest for connection {session.ConnectionId} within {options.SetupAckTimeout.TotalSeconds} s", e);
        }

        if (first == lost)
        {
            throw new NacosUnreachableException(
                $"Nacos cluster {options.Name}: node {node} dropped connection {session.ConnectionId} during setup: {lost.Result.Reason}", lost.Result.Error);
        }
    }
}
