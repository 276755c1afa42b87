using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NacosSync.Core.Naming;
using NacosSync.Nacos.Grpc;
using NacosSync.Nacos.Transport;

namespace NacosSync.Engine.Naming;

/// <summary>The target cannot hold replicas on a connection: it is spoken to over HTTP (1.x, Transport Http, or Auto with no gRPC port answering).</summary>
internal sealed class ReplicaHoldingUnavailableException(string cluster, string reason)
    : Exception($"target cluster '{cluster}' is spoken to over HTTP: {reason}")
{
    public string Cluster { get; } = cluster;

    public string Reason { get; } = reason;
}

/// <summary>
/// Holds replicas on the daemon's gRPC connection to each target cluster (purpose <c>replicas</c>): per target service one
/// batch (<see cref="ReplicaBatch"/>) carrying every replica held there — those of the tasks this process owns and, on
/// an HA standby, those it mirrors from the run-state store (<see cref="Mirror"/>). A change marks its service dirty;
/// <see cref="FlushAsync"/> sends it (one send per service at a time, each carrying the set as it is when its turn
/// comes, so the last send is the latest set). A batch already held on the current connection is not sent again.
/// When the connection is replaced (<see cref="NacosGrpcConnection.Reconnected"/>) it holds nothing: every service of
/// that cluster is sent again at once, at most <see cref="MaxInFlight"/> in flight; what fails stays dirty and is retried.
/// </summary>
internal sealed partial class ConnectionReplicaHolder(Func<string, CancellationToken, Task<NacosGrpcConnection?>> connect, ILogger logger)
{
    /// <summary>Batches in flight at once per cluster when many services are sent together (a reconnect).</summary>
    public const int MaxInFlight = 16;

    /// <summary>The purpose of the connection in the cluster registry: its own, apart from the change feed's.</summary>
    public const string Purpose = "replicas";

    private readonly ConcurrentDictionary<HeldKey, HeldService> _services = new();
    private readonly ConcurrentDictionary<HeldKey, byte> _dirty = new();
    private readonly ConcurrentDictionary<NacosGrpcConnection, byte> _watched = new();
    private readonly Lock _mirrorGate = new();
    private readonly Dictionary<string, HashSet<HeldKey>> _mirroredBy = new(StringComparer.Ordinal);
    private readonly HashSet<string> _notMirrored = new(StringComparer.Ordinal);
    private long _batches;
    private long _reconnects;

    /// <summary>Batch registrations and deregistrations sent since start.</summary>
    public long BatchesSent => Interlocked.Read(ref _batches);

    /// <summary>Reconnects that made this holder send everything again.</summary>
    public long Reregistrations => Interlocked.Read(ref _reconnects);

    /// <summary>Services whose batch is not (yet) known to be held.</summary>
    public int DirtyCount => _dirty.Count;

    /// <summary>Holds <paramref name="replica"/> as one of task <paramref name="task"/>'s own (it wins over a mirrored one at the same address).</summary>
    public void Hold(string task, string cluster, NamingInstance replica)
    {
        var key = new HeldKey(cluster, replica.Key.Service);
        var held = _services.GetOrAdd(key, _ => new HeldService());
        lock (held.Gate)
        {
            held.Owned[(task, replica.Key.Address)] = replica;
        }

        _dirty[key] = 0;
    }

    public void Release(string task, string cluster, InstanceAddress address)
    {
        var key = new HeldKey(cluster, address.Service);
        if (_services.TryGetValue(key, out var held))
        {
            lock (held.Gate)
            {
                held.Owned.Remove((task, address));
            }

            _dirty[key] = 0;
        }
    }

    /// <summary>
    /// Makes <paramref name="replicas"/> the set mirrored for a task this process does not own (read from the run-state
    /// store the owner saves). Ignored once <see cref="StopMirroring"/> was called for the task (it was taken over here).
    /// </summary>
    public void Mirror(string task, IReadOnlyCollection<(string Cluster, NamingInstance Replica)> replicas)
    {
        lock (_mirrorGate)
        {
            if (_notMirrored.Contains(task))
            {
                return;
            }

            var next = replicas.GroupBy(r => new HeldKey(r.Cluster, r.Replica.Key.Service)).ToDictionary(g => g.Key, g => g.Select(r => r.Replica).ToList());
            var before = _mirroredBy.TryGetValue(task, out var services) ? services : [];
            foreach (var key in before.Union(next.Keys).ToList())
            {
                var held = _services.GetOrAdd(key, _ => new HeldService());
                if (ReplaceMirrored(held, task, next.GetValueOrDefault(key) ?? []))
                {
                    _dirty[key] = 0;
                }
            }

            _mirroredBy[task] = [.. next.Keys];
        }
    }

    /// <summary>Whether the task's set is mirrored here (false once it was taken over by this process).</summary>
    public bool Mirrors(string task)
    {
        lock (_mirrorGate)
        {
            return !_notMirrored.Contains(task);
        }
    }

    /// <summary>Mirrors a task again (this process gave it up); <see cref="Mirror"/> is called next with its set.</summary>
    public void StartMirroring(string task)
    {
        lock (_mirrorGate)
        {
            _notMirrored.Remove(task);
        }
    }

    /// <summary>This process owns the task now: its mirrored set goes (call after its own replicas are held).</summary>
    public void StopMirroring(string task)
    {
        lock (_mirrorGate)
        {
            _notMirrored.Add(task);
            if (_mirroredBy.Remove(task, out var services))
            {
                foreach (var key in services)
                {
                    if (_services.TryGetValue(key, out var held) && ReplaceMirrored(held, task, []))
                    {
                        _dirty[key] = 0;
                    }
                }
            }
        }
    }

    /// <summary>The replicas that a batch of the service carries now (owned first, one per address, in batch order).</summary>
    public IReadOnlyList<NamingInstance> HeldIn(string cluster, ServiceKey service) =>
        _services.TryGetValue(new HeldKey(cluster, service), out var held) ? held.Snapshot() : [];

    /// <summary>Sends the given services of one cluster now; returns those whose send failed (they stay dirty).</summary>
    /// <exception cref="ReplicaHoldingUnavailableException">The cluster is spoken to over HTTP.</exception>
    public async Task<IReadOnlySet<ServiceKey>> FlushAsync(string cluster, IReadOnlyCollection<ServiceKey> services, CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cluster, cancellationToken);
        var failed = new ConcurrentDictionary<ServiceKey, byte>();
        await Parallel.ForEachAsync(services.Distinct(), new ParallelOptions { MaxDegreeOfParallelism = MaxInFlight, CancellationToken = cancellationToken },
            async (service, ct) =>
            {
                if (!await SendAsync(connection, new HeldKey(cluster, service), ct))
                {
                    failed[service] = 0;
                }
            });
        return failed.Keys.ToHashSet();
    }

    /// <summary>Sends every dirty service, per cluster; a cluster that cannot be reached or is on HTTP is logged and left dirty.</summary>
    public async Task FlushDirtyAsync(CancellationToken cancellationToken)
    {
        foreach (var cluster in _dirty.Keys.GroupBy(k => k.Cluster))
        {
            try
            {
                await FlushAsync(cluster.Key, [.. cluster.Select(k => k.Service)], cancellationToken);
            }
            catch (Exception ex) when (ex is ReplicaHoldingUnavailableException or NacosException)
            {
                LogClusterUnavailable(logger, cluster.Key, ex.Message);
            }
        }
    }

    /// <summary>The cluster's replicas connection, started and watched for reconnects.</summary>
    /// <exception cref="ReplicaHoldingUnavailableException">The cluster is spoken to over HTTP.</exception>
    public async Task<NacosGrpcConnection> ConnectAsync(string cluster, CancellationToken cancellationToken)
    {
        NacosGrpcConnection? connection;
        try
        {
            connection = await connect(cluster, cancellationToken);
        }
        catch (NacosGrpcUnavailableException ex)
        {
            throw new ReplicaHoldingUnavailableException(cluster, ex.Message);
        }

        if (connection is null)
        {
            throw new ReplicaHoldingUnavailableException(cluster, "Nacos 1.x, Transport Http, or (Auto) no node's gRPC port answered");
        }

        if (_watched.TryAdd(connection, 0))
        {
            connection.Reconnected += e => OnReconnected(cluster, e);
        }

        return connection;
    }

    /// <summary>The new connection holds nothing: every service of the cluster is due again, sent at once in the background.</summary>
    private void OnReconnected(string cluster, GrpcReconnected reconnected)
    {
        Interlocked.Increment(ref _reconnects);
        var due = _services.Keys.Where(k => k.Cluster == cluster).ToList();
        foreach (var key in due)
        {
            _dirty[key] = 0;
        }

        LogReregistering(logger, cluster, due.Count, reconnected.PreviousConnectionId, reconnected.ConnectionId);
        _ = Task.Run(() => FlushDirtyAsync(CancellationToken.None));
    }

    /// <summary>Sends one service's current set unless the connection holds it already; false when the send failed.</summary>
    private async Task<bool> SendAsync(NacosGrpcConnection connection, HeldKey key, CancellationToken cancellationToken)
    {
        _dirty.TryRemove(key, out _);
        var held = _services.GetOrAdd(key, _ => new HeldService());
        await held.Sending.WaitAsync(cancellationToken);
        try
        {
            // Read before sending: a reconnect in between makes the two differ, and the service is sent again.
            var connectionId = connection.ConnectionId;
            var replicas = held.Snapshot();
            if (connectionId is not null && held.SentOn == connectionId && held.Sent is { } sent && ReplicaBatch.SameBatch(sent, replicas))
            {
                return true;
            }

            if (replicas.Count > 0)
            {
                await connection.RequestAsync<Nacos.Grpc.Messages.BatchInstanceResponse>(ReplicaBatch.Register(key.Service, replicas), cancellationToken);
                held.Last = replicas[0];
            }
            else if (held.Last is { } any && held.Sent is not { Count: 0 })
            {
                await connection.RequestAsync<Nacos.Grpc.Messages.InstanceResponse>(ReplicaBatch.Deregister(key.Service, any), cancellationToken);
            }

            Interlocked.Increment(ref _batches);
            held.SentOn = connectionId;
            held.Sent = replicas;
            return true;
        }
        catch (NacosException ex)
        {
            _dirty[key] = 0;
            held.SentOn = null;
            LogSendFailed(logger, key.Cluster, key.Service, ex.Message);
            return false;
        }
        finally
        {
            held.Sending.Release();
        }
    }

    private static bool ReplaceMirrored(HeldService held, string task, IReadOnlyCollection<NamingInstance> replicas)
    {
        lock (held.Gate)
        {
            var changed = false;
            var keep = replicas.Select(r => (task, r.Key.Address)).ToHashSet();
            foreach (var id in held.Mirrored.Keys.Where(k => k.Task == task && !keep.Contains(k)).ToList())
            {
                held.Mirrored.Remove(id);
                changed = true;
            }

            foreach (var replica in replicas)
            {
                var id = (task, replica.Key.Address);
                if (!held.Mirrored.TryGetValue(id, out var current) || current.Differences(replica, compareHealth: true).Length > 0)
                {
                    held.Mirrored[id] = replica;
                    changed = true;
                }
            }

            return changed;
        }
    }

    private readonly record struct HeldKey(string Cluster, ServiceKey Service);

    /// <summary>One target service's replicas on this process's connection, and what was last sent there.</summary>
    private sealed class HeldService
    {
        public Lock Gate { get; } = new();

        public Dictionary<(string Task, InstanceAddress Address), NamingInstance> Owned { get; } = [];

        public Dictionary<(string Task, InstanceAddress Address), NamingInstance> Mirrored { get; } = [];

        public SemaphoreSlim Sending { get; } = new(1, 1);

        public string? SentOn { get; set; }

        /// <summary>The batch last sent (ordered, never changed after): null until one is.</summary>
        public IReadOnlyList<NamingInstance>? Sent { get; set; }

        /// <summary>An instance last sent: a deregister must name one.</summary>
        public NamingInstance? Last { get; set; }

        public List<NamingInstance> Snapshot()
        {
            lock (Gate)
            {
                return ReplicaBatch.Order(Owned.Values.Concat(Mirrored.Values));
            }
        }
    }

    [LoggerMessage(EventId = 4170, Level = LogLevel.Information,
        Message = "Target cluster {Cluster}: the replicas' gRPC connection was replaced ({Previous} → {Current}); registering {Count} service batch(es) again")]
    private static partial void LogReregistering(ILogger logger, string cluster, int count, string previous, string current);

    [LoggerMessage(EventId = 4171, Level = LogLevel.Warning, Message = "Target cluster {Cluster}: the batch of {Service} was not sent ({Error}); trying again")]
    private static partial void LogSendFailed(ILogger logger, string cluster, ServiceKey service, string error);

    [LoggerMessage(EventId = 4172, Level = LogLevel.Warning, Message = "Target cluster {Cluster}: replicas cannot be held on a connection now ({Error}); trying again")]
    private static partial void LogClusterUnavailable(ILogger logger, string cluster, string error);
}
