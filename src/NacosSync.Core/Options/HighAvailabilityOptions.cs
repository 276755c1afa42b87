namespace NacosSync.Core.Options;

/// <summary>
/// Several replicas of the daemon on one state database: Quartz's clustered job store (each firing
/// runs on one replica; a dead replica's firings are recovered by another) and one owner per task,
/// by lease, for what must be continuous (heartbeats, the change feed, the canary, lag gauges).
/// See docs/ha.md for how the defaults were chosen.
/// </summary>
public sealed class HighAvailabilityOptions
{
    /// <summary>
    /// Default true: the clustered job store and task leases on the state database, so any number of
    /// replicas may run. False: Quartz's in-memory store and this replica owns every task; run one only.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// This replica's name in metrics (<c>nacossync_task_owner{replica}</c>) and logs. Default: the
    /// <c>HOSTNAME</c> environment variable (the pod name), else the machine name. A random suffix is
    /// added per process for the Quartz instance id and the lease owner, so a restart never inherits a lease.
    /// </summary>
    public string? ReplicaName { get; set; }

    /// <summary>
    /// How long a task lease lasts without renewal. Default 6 s: three renewals can fail (one slow
    /// database round trip, a GC pause) before the task is given up, and a dead owner's tasks are
    /// taken over within about 8 s, inside the target's heartbeat timeout (docs/ha.md).
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>How often an owner renews its leases and a standby looks for expired ones. Default 2 s (a third of <see cref="LeaseDuration"/>).</summary>
    public TimeSpan LeaseRenewInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often this replica's Quartz scheduler checks in. Default 5 s; another replica recovers the
    /// firings of one that missed its check-in by <see cref="CheckinInterval"/> more (about 10 s after death).
    /// </summary>
    public TimeSpan CheckinInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Tasks with <c>Naming:ReplicaHolding: Connection</c>: how often a replica that does not own such a task reads the
    /// replica set its owner saved and holds the same batches on its own connection, so that the owner's death removes
    /// nothing. Also how long a replica the owner removed or changed may still be served as it was (docs/ha.md). Default 2 s.
    /// </summary>
    public TimeSpan StandbyRefreshInterval { get; set; } = TimeSpan.FromSeconds(2);
}
