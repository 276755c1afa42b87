using Grpc.Core;
using NacosSync.Nacos.Grpc.Messages;

namespace NacosSync.Nacos.Grpc;

// The connection's own loop: watch the session, health-check it when idle, reconnect when it is lost.
internal sealed partial class NacosGrpcConnection
{
    /// <summary><c>RpcClient.healthCheck</c> tries up to this many times when the call itself fails.</summary>
    private const int HealthCheckAttempts = 3;

#pragma warning disable CA1031 // Catch-alls here are the loop boundaries: one bad connect or a bug must not end the connection for good.
    private async Task SuperviseAsync(IGrpcSession session, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var loss = await WatchAsync(session, cancellationToken).ConfigureAwait(false);
                GrpcLog.Lost(_logger, Name, session.Node, session.ConnectionId, loss.Reason);
                _ready = NewReady();
                await session.DisposeAsync().ConfigureAwait(false);
                var next = await ReconnectAsync(session.NodeIndex, loss.Reset, cancellationToken).ConfigureAwait(false);
                Publish(next);
                RaiseReconnected(new GrpcReconnected(next.ConnectionId, next.Node, session.ConnectionId, session.Node));
                session = next;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                GrpcLog.SupervisorFailed(_logger, Name, e);
                await Task.Delay(_options.ReconnectMaxDelay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Returns when <paramref name="session"/> is lost, or fails its health check after <see cref="NacosGrpcOptions.HealthCheckInterval"/> idle.</summary>
    private async Task<GrpcSessionLoss> WatchAsync(IGrpcSession session, CancellationToken cancellationToken)
    {
        while (true)
        {
            var wait = _options.HealthCheckInterval - _time.GetElapsedTime(Volatile.Read(ref _lastActive));
            if (wait <= TimeSpan.Zero)
            {
                if (await HealthCheckAsync(session, cancellationToken).ConfigureAwait(false) is { } failed)
                {
                    session.ReportLost(failed);
                    return await session.Lost.ConfigureAwait(false);
                }

                continue;
            }

            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var first = await Task.WhenAny(session.Lost, Task.Delay(wait, _time, idle.Token)).ConfigureAwait(false);
            await idle.CancelAsync().ConfigureAwait(false);
            if (first == session.Lost)
            {
                return await session.Lost.ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Null when healthy; else why not. An error answer (e.g. <c>UN_REGISTER</c>) fails at once, a failed call is tried again.</summary>
    private async Task<GrpcSessionLoss?> HealthCheckAsync(IGrpcSession session, CancellationToken cancellationToken)
    {
        Exception? last = null;
        for (var attempt = 0; attempt < HealthCheckAttempts; attempt++)
        {
            try
            {
                var request = GrpcPayloadCodec.Encode(new HealthCheckRequest { RequestId = NextRequestId() }, _options.ClientIp);
                var answer = GrpcPayloadCodec.Decode(await session.UnaryAsync(request, _options.HealthCheckTimeout, cancellationToken).ConfigureAwait(false));
                if (answer is GrpcResponse { IsSuccess: true })
                {
                    Touch();
                    return null;
                }

                return new GrpcSessionLoss(answer is GrpcResponse r
                    ? $"health check answered {r.ErrorCode} {r.Message}"
                    : $"health check answered a {answer.GetType().Name}");
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                last = e;
                if (session.Lost.IsCompleted)
                {
                    break;
                }
            }
        }

        return new GrpcSessionLoss($"health check failed: {(last is null ? "no answer" : GrpcSession.Describe(last))}", last);
    }

    /// <summary>Tries the nodes in turn, from the one after <paramref name="lostIndex"/> (or the node a reset names), until one accepts.</summary>
    private async Task<IGrpcSession> ReconnectAsync(int lostIndex, ConnectResetRequest? reset, CancellationToken cancellationToken)
    {
        var start = lostIndex;
        if (reset is { ServerIp: { Length: > 0 } ip } && int.TryParse(reset.ServerPort, out var port))
        {
            // Only nodes of the configured list are used; an unknown address falls back to the next node.
            var named = _options.Servers.ToList().FindIndex(s => string.Equals(s.Host, ip, StringComparison.OrdinalIgnoreCase) && s.Port == port);
            if (named >= 0)
            {
                start = named - 1;
            }
        }

        for (var attempt = 0; ; attempt++)
        {
            var session = await TryOpenAsync(_policy.NodeFor(attempt, start), attempt, null, cancellationToken).ConfigureAwait(false);
            if (session is not null)
            {
                return session;
            }

            await Task.Delay(_policy.DelayAfter(attempt), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<IGrpcSession?> TryOpenAsync(int index, int attempt, List<string>? failures, CancellationToken cancellationToken)
    {
        var node = _options.Servers[index];
        try
        {
            return await _opener.OpenAsync(index, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var error = e is RpcException ? GrpcSession.Describe(e) : e.Message;
            failures?.Add($"{node}: {error}");
            if (attempt < _options.Servers.Count)
            {
                GrpcLog.ConnectFailed(_logger, Name, node, error);
            }
            else
            {
                GrpcLog.ConnectStillFailing(_logger, Name, node, attempt + 1, error);
            }

            return null;
        }
    }

    private void RaiseReconnected(GrpcReconnected reconnected)
    {
        foreach (var handler in Reconnected?.GetInvocationList() ?? [])
        {
            try
            {
                ((Action<GrpcReconnected>)handler)(reconnected);
            }
            catch (Exception e)
            {
                GrpcLog.ReconnectedHandlerFailed(_logger, Name, e);
            }
        }
    }
#pragma warning restore CA1031
}
