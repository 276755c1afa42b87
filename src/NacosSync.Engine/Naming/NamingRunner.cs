using NacosSync.Core.Naming;
using NacosSync.Core.Sync;

namespace NacosSync.Engine.Naming;

/// <summary>The steps both naming runs end with: counting the guarded plan, saving the kept set, and what stays pending.</summary>
internal static class NamingRunner
{
    /// <summary>Counts the guarded plan per namespace and records a guard trip (a policy trip, not a failed read: that is an error of its own).</summary>
    public static void Count(GuardedChanges guarded, NamingRunTally tally)
    {
        tally.Plan(guarded.Allowed, guarded.Refused);
        tally.Refused = guarded.Refused.Count;
        if (guarded.PolicyTripped)
        {
            tally.GuardTripped = guarded.Reason;
        }
    }

    public static async Task SaveKeptAsync(ReplicaKeeper keeper, NamingRunTally tally, CancellationToken cancellationToken)
    {
        try
        {
            await keeper.SaveAsync(cancellationToken);
        }
        catch (Exception ex) when (NamingCheckpoints.IsStoreFailure(ex))
        {
            // The keeper's loop tries again every tick; the replicas are beaten meanwhile.
            tally.Error(SyncStage.Write, $"saving the replicas kept alive failed: {ex.Message}");
        }
    }

    /// <summary>
    /// Source services whose target is not yet what the source says: a write failed (pending from now) or a
    /// removal waits in grace (pending from when the replica was first seen missing). They stay dirty in the
    /// change feed, are taken again by the next incremental run, and count in the lag.
    /// </summary>
    public static IReadOnlyDictionary<ServiceKey, DateTimeOffset> PendingServices(NamingTask task, GuardedChanges guarded, IReadOnlySet<InstanceAddress> failed, DateTimeOffset now)
    {
        var pending = new Dictionary<ServiceKey, DateTimeOffset>();
        foreach (var address in failed)
        {
            Add(address.Service, now);
        }

        foreach (var waiting in guarded.Waiting)
        {
            Add(waiting.Change.Instance.Key.Service, waiting.MissingSince);
        }

        return pending;

        void Add(ServiceKey targetService, DateTimeOffset since)
        {
            if (task.Mapper.ToSource(targetService) is { } source)
            {
                pending[source] = pending.TryGetValue(source, out var at) && at < since ? at : since;
            }
        }
    }
}
