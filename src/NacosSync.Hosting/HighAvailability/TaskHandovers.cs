using NacosSync.Core.Options;
using NacosSync.Core.Sync;
using NacosSync.Engine.Naming;
using NacosSync.Hosting.Jobs;
using Quartz;

namespace NacosSync.Hosting.HighAvailability;

/// <summary>
/// First on takeover: the new owner loads the task's persisted replicas and beats them, spread over
/// <see cref="TakeoverSpread"/> rather than a whole beat interval (they may have been silent for a lease
/// duration already), before any run; on loss it stops beating them and leaves the store to the new owner.
/// </summary>
internal sealed class KeeperHandover(ReplicaKeeper keeper, IReadOnlyCollection<string> keptTasks) : ITaskHandover
{
    /// <summary>1 s: 2,000 replicas are 2,000 light beats in that second, at most 64 in flight per target cluster.</summary>
    public static readonly TimeSpan TakeoverSpread = TimeSpan.FromSeconds(1);

    public Task AdoptAsync(string task, CancellationToken cancellationToken) =>
        keptTasks.Contains(task) ? keeper.RestoreTaskAsync(task, TakeoverSpread, cancellationToken) : Task.CompletedTask;

    public void Abandon(string task) => keeper.AbandonTask(task);
}

/// <summary>
/// Then: the task's triggers are pinned to this replica (Quartz's preferred node, with Quartz's own
/// failover while this replica is down), and one full run per kind is stored for this replica: the
/// reconciliation a new owner does once, in place of a start-up run on every replica. The task's incremental
/// runs here wait for it (<see cref="ReconciliationGate"/>); on loss the gate closes again for the next tenure.
/// </summary>
internal sealed class TriggerHandover(ISchedulerFactory schedulers, ReplicaIdentity identity, NacosSyncOptions options, ReconciliationGate reconciliation)
    : ITaskHandover
{
    public async Task AdoptAsync(string task, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        foreach (var kind in QuartzRegistration.EnabledKinds(options.Tasks[task]))
        {
            await PinAsync(scheduler, task, kind, cancellationToken);
            await SyncJobForwarding.ScheduleFullRunAsync(scheduler, task, kind, identity.InstanceId, allowDeletions: false, SyncJobForwarding.TakeoverReason,
                cancellationToken);
        }
    }

    public void Abandon(string task)
    {
        // The triggers stay: the next owner pins them to itself; until then Quartz fails them over and the jobs skip here.
        reconciliation.TaskLost(task);
    }

    /// <summary>Pins the task's scheduled triggers here; a replica that started since may have stored them afresh, unpinned.</summary>
    public async Task PinAsync(IScheduler scheduler, string task, SyncKind kind, CancellationToken cancellationToken)
    {
        var pin = PreferredNode.For(identity.InstanceId);
        foreach (var mode in new[] { SyncMode.Full, SyncMode.Incremental })
        {
            foreach (var trigger in await scheduler.GetTriggersOfJob(SyncJobData.JobKey(task, kind, mode), cancellationToken))
            {
                if (trigger.PreferredNode.Node != identity.InstanceId && !trigger.Key.Name.Contains(SyncJobForwarding.OneOffMarker, StringComparison.Ordinal))
                {
                    await scheduler.UpdateTriggerDetails(trigger.Key, new TriggerDetailsUpdate().WithPreferredNode(pin), cancellationToken);
                }
            }
        }
    }
}
