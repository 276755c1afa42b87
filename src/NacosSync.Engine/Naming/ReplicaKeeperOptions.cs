using NacosSync.Core.Naming;

namespace NacosSync.Engine.Naming;

/// <summary>Tuning of the <see cref="ReplicaKeeper"/>.</summary>
internal sealed record ReplicaKeeperOptions
{
    /// <summary>
    /// Beat period of a replica that declares none (Nacos clients use 5 s). A replica the daemon writes declares its task's
    /// <c>Naming:Heartbeat:Interval</c> (<c>preserved.heart.beat.interval</c>) and is beaten at that. Default 5 s.
    /// </summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Beats in flight at once per target cluster, so a hung cluster cannot take the slots of the others. Default 64.</summary>
    public int MaxConcurrencyPerCluster { get; init; } = 64;

    /// <summary>How often the scheduler looks for due beats and saves changes of the kept set. Default 50 ms.</summary>
    public TimeSpan Tick { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>At most one warning per task and target cluster in this period while its beats keep failing. Default 60 s.</summary>
    public TimeSpan FailureReportInterval { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>One task's replica at one address.</summary>
internal readonly record struct ReplicaId(string Task, InstanceAddress Address);

/// <summary>A replica being kept alive: what to beat, where, and when next (a monotonic timestamp).</summary>
internal sealed class KeptReplica(ReplicaId id, string targetCluster, NamingInstance replica)
{
    public ReplicaId Id { get; } = id;

    public string TargetCluster { get; set; } = targetCluster;

    public NamingInstance Replica { get; set; } = replica;

    /// <summary>Set once the replica is no longer kept (removed, or found removed by another process): no beat may bring it back.</summary>
    public bool Forgotten { get; set; }

    /// <summary>When the next beat is due, in <see cref="TimeProvider.GetTimestamp"/> units; queue entries with another value are stale.</summary>
    public long Due { get; set; }

    /// <summary>The beat in flight, if any: never two at once for one replica, and a removal waits for it.</summary>
    public Task InFlight { get; set; } = Task.CompletedTask;

    /// <summary>
    /// The interval to beat at: the one the replica declares to the target (its task's <c>Naming:Heartbeat:Interval</c>,
    /// stamped by the mapper), so the target's clock and ours agree; <paramref name="fallback"/> if it declares none.
    /// </summary>
    public TimeSpan Interval(TimeSpan fallback) => ReplicaHeartbeat.Declared(Replica.Metadata, ReplicaHeartbeat.IntervalKey) ?? fallback;

    /// <summary>The silence after which the target marks the replica unhealthy, as it declares it (null: the target's default).</summary>
    public TimeSpan? DeclaredTimeout => ReplicaHeartbeat.Declared(Replica.Metadata, ReplicaHeartbeat.TimeoutKey);
}
