namespace NacosSync.Core.Naming;

/// <summary>
/// Compares the replicas a task wants with what the target holds. Pure and deterministic.
/// Matching is by service and ip:port (Nacos's own key): a wanted replica where the task's own
/// replica sits is an update when any attribute differs (weight, enabled, healthy, metadata,
/// ephemeral, cluster), never a remove plus add; where an instance the task does not own sits, it
/// is a conflict and nothing is written; the task's replicas that are no longer wanted are removals.
/// Instances the task does not own are never changed or removed.
/// </summary>
internal static class NamingDiff
{
    /// <param name="wanted">Replicas wanted, already mapped and stamped (<see cref="NamingMapper"/>).</param>
    /// <param name="target">Every instance read from the target services in scope, native ones included.</param>
    /// <param name="owner">Who this task is.</param>
    /// <param name="compareHealth">Whether a health difference alone is a change (false where the target decides health itself).</param>
    public static NamingPlan Compute(IEnumerable<NamingInstance> wanted, IEnumerable<NamingInstance> target, ReplicaOwner owner, bool compareHealth = true)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var existing = new Dictionary<InstanceAddress, NamingInstance>();
        var owned = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var instance in target)
        {
            // Same ip:port twice (ephemeral and persistent on 1.x): keep ours if either is ours.
            if (!existing.TryGetValue(instance.Key.Address, out var previous) || !owner.Owns(previous.Metadata))
            {
                existing[instance.Key.Address] = instance;
            }

            if (owner.Owns(instance.Metadata))
            {
                owned[instance.Key.Service.Namespace] = owned.GetValueOrDefault(instance.Key.Service.Namespace) + 1;
            }
        }

        var changes = new List<NamingChange>();
        var conflicts = new List<NamingConflict>();
        var seen = new HashSet<InstanceAddress>(wanted.TryGetNonEnumeratedCount(out var wantedCount) ? wantedCount : 0);
        var unchanged = 0;
        foreach (var replica in wanted)
        {
            if (!seen.Add(replica.Key.Address))
            {
                continue; // the source holds one instance per ip:port per service; a duplicate would fight itself
            }

            if (!existing.TryGetValue(replica.Key.Address, out var current))
            {
                changes.Add(new NamingChange(NamingChangeKind.Add, replica));
            }
            else if (!owner.Owns(current.Metadata))
            {
                conflicts.Add(new NamingConflict(replica, current));
            }
            else if (replica.Differences(current, compareHealth) is { Length: > 0 } differences)
            {
                changes.Add(new NamingChange(NamingChangeKind.Update, replica, current, differences));
            }
            else
            {
                unchanged++;
            }
        }

        foreach (var (address, current) in existing)
        {
            if (!seen.Contains(address) && owner.Owns(current.Metadata))
            {
                changes.Add(new NamingChange(NamingChangeKind.Remove, current, current, "not in source"));
            }
        }

        return new NamingPlan(changes, conflicts, unchanged, owned);
    }
}
