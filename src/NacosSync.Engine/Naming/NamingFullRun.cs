using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NacosSync.Core.Naming;
using NacosSync.Core.Options;
using NacosSync.Core.Sync;

namespace NacosSync.Engine.Naming;

/// <summary>
/// A full naming run: re-reads every namespace of both sides and repairs any drift. The safety net of
/// the incremental runs, and the start of every task.
/// </summary>
internal sealed class NamingFullRun(IOptions<NacosSyncOptions> options, NamingCheckpoints checkpoints, RemovalGate gate, ReplicaWriter writer,
    ReplicaKeeper keeper, NamingChangeFeed? feed, TimeProvider timeProvider, ILogger<NamingFullRun> logger)
{
    public async Task RunAsync(NamingTask task, SyncRunRequest request, NamingRunTally tally, CancellationToken cancellationToken)
    {
        var checkpoint = await checkpoints.LoadAsync(task, tally, cancellationToken);
        if (await NamespaceReader.SourceNamespacesAsync(task, request, tally, cancellationToken) is not { } sourceNamespaces)
        {
            return;
        }

        await TargetNamespaceCreator.CreateMissingAsync(task, sourceNamespaces, request.DryRun, tally, logger, cancellationToken);
        var reads = await NamespaceReader.ReadPairsAsync(task, sourceNamespaces, tally, cancellationToken);
        var plan = FullRunPlanner.Plan(task, sourceNamespaces, reads, options.Value.Tasks, logger);
        tally.Drift = plan.Changes.Count;
        // The ratios' base is what the task owns now, as this run read it.
        var guarded = await gate.JudgeAsync(task, plan.Changes, plan.ReadStates, plan.Examined, checkpoint with { Owned = plan.Owned }, request.AllowDeletions, tally, cancellationToken);
        NamingRunner.Count(guarded, tally);
        if (request.DryRun)
        {
            tally.Planned = true;
            return;
        }

        var failed = await writer.ApplyAsync(task, guarded.Allowed, tally, cancellationToken);
        await gate.RecordRemovalsAsync(task, tally.Removed, tally, cancellationToken);
        KeepAlive(task, plan, guarded, failed);
        await NamingRunner.SaveKeptAsync(keeper, tally, cancellationToken);
        if (plan.Complete)
        {
            var owned = plan.Owned + guarded.Allowed.Count(c => c.Kind == NamingChangeKind.Add && !failed.Contains(c.Instance.Key.Address)) - tally.Removed;
            await checkpoints.SaveAsync(task, checkpoint, owned, fullSyncCompleted: tally.Failed == 0, tally, cancellationToken);
        }

        var pending = NamingRunner.PendingServices(task, guarded, failed, timeProvider.GetUtcNow());
        tally.OldestPending = pending.Count > 0 ? pending.Values.Min() : null;
        if (feed is not null && plan.Complete && request.Namespace is null)
        {
            await feed.FullRunCompletedAsync(task, plan.SourceServices, sourceNamespaces, everyNamespace: task.Mapper.ConfiguredSourceNamespaces.Count == 0, pending, cancellationToken);
            tally.OldestPending = feed.OldestPending(task.Name);
        }
    }

    /// <summary>Keeps alive what should exist: wanted replicas written or unchanged, plus those whose removal was refused or waits in grace.</summary>
    private void KeepAlive(NamingTask task, FullRunPlan plan, GuardedChanges guarded, IReadOnlySet<InstanceAddress> failed)
    {
        if (!task.Mapper.EphemeralReplicas)
        {
            return;
        }

        foreach (var (targetNamespace, wanted) in plan.Wanted)
        {
            var conflicted = plan.Conflicted[targetNamespace];
            var keep = new Dictionary<InstanceAddress, NamingInstance>();
            foreach (var replica in wanted.Where(r => !conflicted.Contains(r.Key.Address) && !failed.Contains(r.Key.Address)))
            {
                keep[replica.Key.Address] = replica;
            }

            foreach (var kept in guarded.Kept.Where(r => r.Key.Service.Namespace == targetNamespace))
            {
                keep.TryAdd(kept.Key.Address, kept);
            }

            keeper.ReplaceNamespace(task.Name, task.TargetCluster, targetNamespace, keep.Values);
        }
    }
}
