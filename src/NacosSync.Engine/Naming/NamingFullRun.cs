using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NacosSync.Core.Naming;
using NacosSync.Core.Options;
using NacosSync.Core.Sync;

namespace NacosSync.Engine.Naming;

/// <summary>
/// A full naming run: re-reads every namespace of both sides and repairs any drift. The safety net of
/// the incremental runs, and the start of every task.
/// It goes one namespace at a time, reading the next while the current one is written, and holds no more than one
/// namespace's snapshots and the plan of the one before (a namespace is planned before the next read starts): adds
/// and updates always pass the guard, so each namespace's are written as soon as it is planned; removals wait until
/// every namespace is read, because the guard judges them against the whole task (what it owns now, the removals of
/// the window), exactly as if the run had read everything first.
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
        var run = new Progress();
        var next = sourceNamespaces.Count > 0 ? NamespaceReader.ReadPairAsync(task, sourceNamespaces[0], tally, cancellationToken) : null;
        try
        {
            for (var i = 0; i < sourceNamespaces.Count; i++)
            {
                // Planned before the next read starts, so that both sides' snapshots of this namespace are garbage by then
                // (the plan keeps only what is written and kept; the pair lives in this block alone, across no await).
                NamespacePlan? plan;
                {
                    var pair = await next!;
                    plan = pair is null ? null : FullRunPlanner.Plan(task, pair, options.Value.Tasks, logger);
                }

                next = i + 1 < sourceNamespaces.Count ? NamespaceReader.ReadPairAsync(task, sourceNamespaces[i + 1], tally, cancellationToken) : null;
                if (plan is null)
                {
                    run.Complete = false; // the target read failed (reported): nothing is written there
                    continue;
                }

                await ApplyNamespaceAsync(task, plan, request.DryRun, run, tally, cancellationToken);
            }
        }
        finally
        {
            if (next is not null)
            {
                // Cancelled or failed mid-run: let the read ahead finish so nothing is left unobserved.
                await ((Task)next).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        tally.Drift = run.Changes;
        // The ratios' base is what the task owns now, as this run read it.
        var guarded = await gate.JudgeAsync(task, run.Removals, run.ReadStates, run.Examined, checkpoint with { Owned = run.Owned }, request.AllowDeletions, tally, cancellationToken);
        NamingRunner.Count(guarded, tally);
        if (request.DryRun)
        {
            tally.Planned = true;
            return;
        }

        run.Failed.UnionWith(await writer.ApplyAsync(task, guarded.Allowed, tally, cancellationToken));
        await gate.RecordRemovalsAsync(task, tally.Removed, tally, cancellationToken);
        if (task.Mapper.EphemeralReplicas)
        {
            // Refused and waiting removals stay, and are kept alive (tracked ones were kept all along).
            foreach (var kept in guarded.Kept)
            {
                keeper.Track(task.Name, task.TargetCluster, kept);
            }
        }

        await NamingRunner.SaveKeptAsync(keeper, tally, cancellationToken);
        if (run.Complete)
        {
            var owned = run.Owned + run.AddsWritten - tally.Removed;
            await checkpoints.SaveAsync(task, checkpoint, owned, fullSyncCompleted: tally.Failed == 0, tally, cancellationToken);
        }

        var pending = NamingRunner.PendingServices(task, guarded, run.Failed, timeProvider.GetUtcNow());
        tally.OldestPending = pending.Count > 0 ? pending.Values.Min() : null;
        if (feed is not null && run.Complete && request.Namespace is null)
        {
            await feed.FullRunCompletedAsync(task, run.Baselines, sourceNamespaces, everyNamespace: task.Mapper.ConfiguredSourceNamespaces.Count == 0, pending, cancellationToken);
            tally.OldestPending = feed.OldestPending(task.Name);
        }
    }

    /// <summary>Writes one namespace's adds and updates, keeps its replicas alive, and keeps what the end of the run needs.</summary>
    private async Task ApplyNamespaceAsync(NamingTask task, NamespacePlan plan, bool dryRun, Progress run, NamingRunTally tally, CancellationToken cancellationToken)
    {
        run.Changes += plan.Changes.Count;
        run.Owned += plan.Owned;
        run.ReadStates.Add(plan.ReadState);
        run.Baselines.AddRange(plan.Baselines);
        run.Complete &= plan.ReadState.SourceComplete;
        run.Removals.AddRange(plan.Removals);
        var writes = plan.Writes;
        tally.Plan(writes, []);
        if (dryRun)
        {
            return;
        }

        var failed = await writer.ApplyAsync(task, writes, tally, cancellationToken);
        run.Failed.UnionWith(failed);
        run.AddsWritten += writes.Count(c => c.Kind == NamingChangeKind.Add && !failed.Contains(c.Instance.Key.Address));
        KeepAlive(task, plan, failed);

        // Saved per namespace, so the changes waiting to be saved never hold the whole task (rows are serialized as written, 2,000 at a time).
        await NamingRunner.SaveKeptAsync(keeper, tally, cancellationToken);
    }

    /// <summary>
    /// Keeps alive what should exist in one namespace: wanted replicas written or unchanged, and the planned removals
    /// already kept (they wait for the guard; those it allows are forgotten as they are removed, the others stay).
    /// </summary>
    private void KeepAlive(NamingTask task, NamespacePlan plan, IReadOnlySet<InstanceAddress> failed)
    {
        if (!task.Mapper.EphemeralReplicas)
        {
            return;
        }

        var keep = new Dictionary<InstanceAddress, NamingInstance>(plan.Wanted.Count);
        foreach (var replica in plan.Wanted.Where(r => !plan.Conflicted.Contains(r.Key.Address) && !failed.Contains(r.Key.Address)))
        {
            keep[replica.Key.Address] = replica;
        }

        foreach (var removal in plan.Removals.Where(r => keeper.IsTracked(task.Name, r.Instance.Key)))
        {
            keep.TryAdd(removal.Instance.Key.Address, removal.Instance);
        }

        keeper.ReplaceNamespace(task.Name, task.TargetCluster, plan.TargetNamespace, keep.Values);
    }

    /// <summary>What a full run carries from one namespace to the next: small, whatever the namespaces hold.</summary>
    private sealed class Progress
    {
        public bool Complete { get; set; } = true;

        public long Changes { get; set; }

        public long Owned { get; set; }

        public long AddsWritten { get; set; }

        public List<NamespaceReadState> ReadStates { get; } = [];

        public List<ServiceBaseline> Baselines { get; } = [];

        public List<NamingChange> Removals { get; } = [];

        public HashSet<InstanceAddress> Failed { get; } = [];

        /// <summary>Whether a replica lies in a namespace whose source was read completely (removal clocks run only there).</summary>
        public bool Examined(InstanceAddress address) => ReadStates.Any(s => s.SourceComplete && s.TargetNamespace == address.Service.Namespace);
    }
}
