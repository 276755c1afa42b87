namespace NacosSync.Core.Options;

/// <summary>
/// The heartbeat terms every ephemeral replica declares to the target, as instance metadata Nacos reads
/// (<c>preserved.heart.beat.interval</c>, <c>preserved.heart.beat.timeout</c>, <c>preserved.ip.delete.timeout</c>,
/// in milliseconds; Nacos's own defaults are 5000, 15000 and 30000). Longer than Nacos's defaults so that a
/// takeover (lease expiry, restore, first beat: at most about 15 s with the defaults, docs/ha.md) always
/// ends before the target marks a replica unhealthy.
/// </summary>
public sealed class ReplicaHeartbeatOptions
{
    /// <summary>The beat interval declared. Default 5 s, the interval the daemon beats each replica at.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Silence after which the target marks a replica unhealthy. Default 30 s: twice the worst takeover
    /// (6 s lease + 2 s renew + up to 5 s to the first beat of a restored replica + one missed beat),
    /// where Nacos's 15 s would leave about 2 s of slack.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Silence after which the target deletes a replica. Default 60 s (Nacos: 30 s); at least <see cref="Timeout"/>.</summary>
    public TimeSpan DeleteTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Errors for a task's heartbeat terms, each naming its key (<c>Tasks:NAME:Naming:Heartbeat:…</c>).</summary>
    public IEnumerable<string> Errors(string prefix, HighAvailabilityOptions ha)
    {
        ArgumentNullException.ThrowIfNull(ha);
        if (Interval < TimeSpan.FromSeconds(1) || Interval > TimeSpan.FromMinutes(1))
        {
            yield return $"{prefix}:Interval: {Interval} is outside 00:00:01 to 00:01:00 (default 00:00:05)";
        }

        // A replica must survive a takeover: the lease lapses, a standby notices, restores and beats it.
        var handover = ha.LeaseDuration + ha.LeaseRenewInterval + (Interval * 2);
        if (Timeout < handover)
        {
            yield return $"{prefix}:Timeout: {Timeout} is shorter than a takeover can take ({handover}: HighAvailability:LeaseDuration + LeaseRenewInterval "
                + "+ two beat intervals); replicas would turn unhealthy in the target during every failover (default 00:00:30)";
        }

        if (DeleteTimeout < Timeout)
        {
            yield return $"{prefix}:DeleteTimeout: {DeleteTimeout} is shorter than Timeout ({Timeout}); Nacos deletes only after marking unhealthy (default 00:01:00)";
        }
    }
}
