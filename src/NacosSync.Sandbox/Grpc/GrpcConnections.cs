using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Connections;
using NacosSync.Sandbox.Config;
using NacosSync.Sandbox.Naming;

namespace NacosSync.Sandbox.Grpc;

/// <summary>
/// One node's connections (core/.../remote/ConnectionManager.java): transports by Kestrel connection,
/// registered connections by Nacos connection id, pushes to subscribers and listeners, idle detection.
/// </summary>
internal sealed class GrpcConnections
{
    /// <summary>NacosRuntimeConnectionEjector KEEP_ALIVE_TIME.</summary>
    public static readonly TimeSpan IdleBeforeDetection = TimeSpan.FromSeconds(20);

    /// <summary>The ClientDetectionRequest callback timeout.</summary>
    public static readonly TimeSpan DetectionTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, GrpcTransport> _transports = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, GrpcConnection> _connections = new(StringComparer.Ordinal);
    private readonly SandboxNode _node;
    private long _pushIds;

    public GrpcConnections(SandboxNode node) => _node = node;

    public int Count => _connections.Count;

    public IReadOnlyCollection<GrpcConnection> All => [.. _connections.Values];

    private TimeProvider Clock => _node.Cluster.Clock;

    private NamingStore Naming => _node.Cluster.Naming;

    /// <summary>AddressTransportFilter.transportReady: names the connection.</summary>
    public GrpcTransport OnTransportReady(ConnectionContext context)
    {
        var remote = context.RemoteEndPoint as IPEndPoint;
        var ip = remote?.Address.MapToIPv4().ToString() ?? "";
        var port = remote?.Port ?? 0;
        var id = string.Create(CultureInfo.InvariantCulture, $"{Clock.GetUtcNow().ToUnixTimeMilliseconds()}_{ip}_{port}");
        var transport = new GrpcTransport(id, ip, port, context);
        _transports[context.ConnectionId] = transport;
        return transport;
    }

    /// <summary>AddressTransportFilter.transportTerminated: unregisters the connection.</summary>
    public void OnTransportTerminated(string kestrelConnectionId)
    {
        if (_transports.TryRemove(kestrelConnectionId, out var transport))
        {
            Unregister(transport.ConnectionId);
        }
    }

    public GrpcTransport? Transport(string kestrelConnectionId) => _transports.TryGetValue(kestrelConnectionId, out var t) ? t : null;

    /// <summary>ConnectionManager.checkValid: only a set-up connection may send requests.</summary>
    public GrpcConnection? Find(string connectionId) => _connections.TryGetValue(connectionId, out var c) ? c : null;

    public void Register(GrpcConnection connection)
    {
        _connections[connection.Id] = connection;
        SandboxGrpcLog.ConnectionRegistered(_node.Cluster.Logger, _node.Index, connection.Id, connection.ClientVersion);
    }

    /// <summary>ConnectionManager.unregister: removes the connection and everything it holds, then closes it.</summary>
    public void Unregister(string connectionId)
    {
        if (!_connections.TryRemove(connectionId, out var connection))
        {
            return;
        }

        var changed = Naming.RemoveConnection(connectionId);
        connection.Close();
        SandboxGrpcLog.ConnectionUnregistered(_node.Cluster.Logger, _node.Index, connectionId, changed.Count);
    }

    /// <summary>Closes every connection of the node, set up or not (a fault for tests).</summary>
    public int DropAll()
    {
        var dropped = 0;
        foreach (var transport in _transports.Values)
        {
            Unregister(transport.ConnectionId);
            transport.Abort();
            dropped++;
        }

        return dropped;
    }

    /// <summary>Sends a push on the connection's bi-stream with the next push id (PushAckIdGenerator).</summary>
    public bool Push(GrpcConnection connection, ServerPush push, bool expectAck = true)
    {
        return connection.Push(push, NextPushId(), _node.Cluster.Options.Host, expectAck, Clock.GetUtcNow());
    }

    private string NextPushId() => Interlocked.Increment(ref _pushIds).ToString(CultureInfo.InvariantCulture);

    /// <summary>One maintenance pass of the ejector: probe idle connections, drop those that did not answer.</summary>
    public void DetectIdle()
    {
        if (_node.ConnectionFaults.Stalled)
        {
            return;
        }

        var now = Clock.GetUtcNow();
        foreach (var connection in _connections.Values)
        {
            connection.ForgetUnanswered(now, DetectionTimeout);
            var (step, probeRequestId) = connection.Detect(now, IdleBeforeDetection, DetectionTimeout, NextPushId);
            switch (step)
            {
                case DetectionStep.Probe:
                    connection.Push(new ClientDetectionRequest(), probeRequestId!, _node.Cluster.Options.Host, true, now);
                    break;
                case DetectionStep.Drop:
                    SandboxGrpcLog.ConnectionEjected(_node.Cluster.Logger, _node.Index, connection.Id);
                    Unregister(connection.Id);
                    break;
            }
        }
    }

    /// <summary>A service changed (any node): NotifySubscriberRequest to this node's subscribers of it.</summary>
    public void OnServiceChanged(ServiceKey key)
    {
        foreach (var connection in _connections.Values)
        {
            if (connection.Subscriptions.TryGetValue(key, out var clusters))
            {
                Push(connection, new NotifySubscriberRequest(GrpcServiceInfos.Read(Naming, key, clusters, healthyOnly: false)));
            }
        }
    }

    /// <summary>This node's cache changed a key: ConfigChangeNotifyRequest to its listeners (RpcConfigChangeNotifier).</summary>
    public void OnConfigChanged(ConfigKey key)
    {
        foreach (var connection in _connections.Values)
        {
            if (connection.ConfigListens.ContainsKey(key))
            {
                Push(connection, new ConfigChangeNotifyRequest(key.DataId, key.Group, key.Tenant));
            }
        }
    }
}
