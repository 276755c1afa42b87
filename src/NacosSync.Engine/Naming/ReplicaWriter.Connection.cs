using System.Collections.Concurrent;
using NacosSync.Core.Naming;
using NacosSync.Core.Options;
using NacosSync.Core.Sync;

namespace NacosSync.Engine.Naming;

/// <summary>The writes of a <c>ReplicaHolding: Connection</c> task: ephemeral replicas as batches of their services.</summary>
internal sealed partial class ReplicaWriter
{
    /// <summary>
    /// Applies the ephemeral adds, updates and removals as the batches of their services (the removed replicas have
    /// already left the kept set, the others join it), and returns the changes left for HTTP: persistent replicas and
    /// kind changes. A service whose batch fails leaves its changes failed (pending); a target on HTTP fails the run,
    /// naming <c>Tasks:&lt;task&gt;:Naming:ReplicaHolding</c>.
    /// </summary>
    private async Task<IReadOnlyList<NamingChange>> ApplyOnConnectionAsync(NamingTask task, IReadOnlyList<NamingChange> changes,
        ConcurrentDictionary<InstanceAddress, bool> failed, NamingRunTally tally, CancellationToken cancellationToken)
    {
        var held = changes.Where(OnConnection).ToList();
        try
        {
            // Every run of the task checks, changes or not: a target that cannot hold replicas fails the run by name.
            await keeper.Holder.ConnectAsync(task.TargetCluster, cancellationToken);
        }
        catch (ReplicaHoldingUnavailableException ex)
        {
            tally.Error(SyncStage.Write, ReplicaHoldingRules.NeedsGrpc(task.Name, task.TargetCluster, ex.Reason), $"Tasks:{task.Name}:Naming:ReplicaHolding");
            foreach (var change in held)
            {
                failed[change.Instance.Key.Address] = true;
                tally.WriteFailed();
            }

            return [.. changes.Where(c => !OnConnection(c))];
        }

        if (held.Count == 0)
        {
            return changes;
        }

        foreach (var change in held.Where(c => c.Kind != NamingChangeKind.Remove))
        {
            keeper.Track(task.Name, task.TargetCluster, change.Instance);
        }

        IReadOnlySet<ServiceKey> failedServices;
        var unavailable = false;
        try
        {
            failedServices = await keeper.Holder.FlushAsync(task.TargetCluster, [.. held.Select(c => c.Instance.Key.Service).Distinct()], cancellationToken);
        }
        catch (ReplicaHoldingUnavailableException ex)
        {
            tally.Error(SyncStage.Write, ReplicaHoldingRules.NeedsGrpc(task.Name, task.TargetCluster, ex.Reason), $"Tasks:{task.Name}:Naming:ReplicaHolding");
            failedServices = held.Select(c => c.Instance.Key.Service).ToHashSet();
            unavailable = true;
        }

        foreach (var change in held)
        {
            if (failedServices.Contains(change.Instance.Key.Service))
            {
                failed[change.Instance.Key.Address] = true;
                tally.WriteFailed();
            }
            else
            {
                tally.Applied(change.Kind);
            }
        }

        foreach (var service in unavailable ? new HashSet<ServiceKey>() : failedServices)
        {
            tally.Error(SyncStage.Write, $"the batch of {service} was not held by '{task.TargetCluster}'; its changes stay pending", service.ToString());
        }

        return [.. changes.Where(c => !OnConnection(c))];
    }

    /// <summary>An ephemeral replica that stays ephemeral: held by the connection, not written over HTTP.</summary>
    private static bool OnConnection(NamingChange change) => change.Kind switch
    {
        NamingChangeKind.Add => change.Instance.Ephemeral,
        NamingChangeKind.Update => change.Instance.Ephemeral && change.Current!.Ephemeral,
        _ => change.Instance.Ephemeral,
    };
}
