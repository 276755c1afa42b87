using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using NacosSync.Nacos.Protocol;
using NacosSync.Sandbox.Config;
using NacosSync.Sandbox.Naming;

namespace NacosSync.Sandbox.Grpc;

/// <summary>
/// One HTTP/2 connection as the transport filter sees it (AddressTransportFilter.transportReady):
/// the id <c>{millis}_{remoteIp}_{remotePort}</c> every request on it carries.
/// </summary>
internal sealed record GrpcTransport(string ConnectionId, string RemoteIp, int RemotePort, ConnectionContext Context)
{
    public void Abort() => Context.Abort(new ConnectionAbortedException("sandbox: connection closed by the server"));
}

/// <summary>What the detection step of a maintenance pass decided for one connection.</summary>
internal enum DetectionStep
{
    None,
    Probe,
    Drop,
}

/// <summary>
/// A registered connection (ConnectionSetupRequest done): its bi-stream's outgoing queue, the pushes
/// awaiting an answer, its subscriptions and config listens, its last activity for detection.
/// </summary>
internal sealed class GrpcConnection
{
    private readonly Channel<Payload> _outbound = Channel.CreateUnbounded<Payload>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, (string Type, DateTimeOffset SentAt)> _awaitingAck = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private DateTimeOffset _lastActive;
    private string? _probeRequestId;
    private DateTimeOffset _probeDeadline;

    public GrpcConnection(GrpcTransport transport, ConnectionSetupRequest setup, DateTimeOffset now)
    {
        Transport = transport;
        ClientVersion = setup.ClientVersion ?? "";
        Tenant = setup.Tenant ?? "";
        Labels = setup.Labels ?? new Dictionary<string, string>(StringComparer.Ordinal);
        _lastActive = now;
    }

    public string Id => Transport.ConnectionId;

    public GrpcTransport Transport { get; }

    public string ClientVersion { get; }

    public string Tenant { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>Subscribed services and the clusters asked for (SubscribeServiceRequest).</summary>
    public ConcurrentDictionary<ServiceKey, string> Subscriptions { get; } = new();

    /// <summary>Listened config keys (ConfigBatchListenRequest with listen = true).</summary>
    public ConcurrentDictionary<ConfigKey, byte> ConfigListens { get; } = new();

    public ChannelReader<Payload> Outbound => _outbound.Reader;

    /// <summary>Pushes sent and not answered yet, by type.</summary>
    public IReadOnlyList<string> AwaitingAck => _awaitingAck.Values.Select(v => v.Type).ToList();

    /// <summary>Queues a push on the bi-stream under <paramref name="requestId"/>; false when the stream is closed.</summary>
    public bool Push(ServerPush push, string requestId, string serverIp, bool expectAck, DateTimeOffset now)
    {
        var payload = GrpcPayloads.Push(push with { RequestId = requestId }, serverIp);
        if (expectAck)
        {
            _awaitingAck[requestId] = (push.GetType().Name, now);
        }

        if (_outbound.Writer.TryWrite(payload))
        {
            return true;
        }

        _awaitingAck.TryRemove(requestId, out _);
        return false;
    }

    /// <summary>A response on the bi-stream (RpcAckCallbackSynchronizer.ackNotify + refreshActiveTime).</summary>
    public void Acknowledge(string? requestId, bool success, DateTimeOffset now)
    {
        if (requestId is not null)
        {
            _awaitingAck.TryRemove(requestId, out _);
        }

        lock (_gate)
        {
            _lastActive = now;
            if (requestId is not null && requestId == _probeRequestId && success)
            {
                _probeRequestId = null;
            }
        }
    }

    /// <summary>A unary request on this connection (GrpcRequestAcceptor: connectionManager.refreshActiveTime).</summary>
    public void Touch(DateTimeOffset now)
    {
        lock (_gate)
        {
            _lastActive = now;
        }
    }

    /// <summary>
    /// NacosRuntimeConnectionEjector.ejectOutdatedConnection, split across maintenance passes: idle ≥
    /// <paramref name="idle"/> → probe with a ClientDetectionRequest; no successful answer within
    /// <paramref name="timeout"/> → drop.
    /// </summary>
    public (DetectionStep Step, string? ProbeRequestId) Detect(DateTimeOffset now, TimeSpan idle, TimeSpan timeout, Func<string> nextRequestId)
    {
        lock (_gate)
        {
            if (_probeRequestId is not null)
            {
                return (now >= _probeDeadline ? DetectionStep.Drop : DetectionStep.None, null);
            }

            if (now - _lastActive < idle)
            {
                return (DetectionStep.None, null);
            }

            _probeRequestId = nextRequestId();
            _probeDeadline = now + timeout;
            return (DetectionStep.Probe, _probeRequestId);
        }
    }

    /// <summary>Forgets pushes unanswered for longer than <paramref name="timeout"/> (the real server's push futures time out).</summary>
    public void ForgetUnanswered(DateTimeOffset now, TimeSpan timeout)
    {
        foreach (var (id, sent) in _awaitingAck)
        {
            if (now - sent.SentAt > timeout)
            {
                _awaitingAck.TryRemove(id, out _);
            }
        }
    }

    /// <summary>GrpcConnection.close: closes the bi-stream, then the channel.</summary>
    public void Close()
    {
        _outbound.Writer.TryComplete();
        Transport.Abort();
    }

    /// <summary>Ends the server side of the bi-stream (the client completed its side).</summary>
    public void CompleteStream() => _outbound.Writer.TryComplete();
}
