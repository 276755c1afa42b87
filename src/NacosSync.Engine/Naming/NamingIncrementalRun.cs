using NacosSync.Core.Naming;
using NacosSync.Core.Sync;

namespace NacosSync.Engine.Naming;

/// <summary>
/// An incremental naming run: re-reads only the services the <see cref="NamingChangeFeed"/> says are
/// pushed, new, vanished or due for renewal, and looks at the target only where the source answer
/// changed, so its work follows the number of changes, not the size of the registry.
/// </summary>
internal sealed class NamingIncrementalRun(NamingCheckpoints checkpoints, RemovalGate gate, ReplicaWriter writer, ReplicaKeeper keeper, NamingChangeFeed feed, TimeProvider timeProvider)
{
    public async Task RunAsync(NamingTask task, SyncRunRequest request, NamingRunTally tally, CancellationToken cancellationToken)
    {
        var checkpoint = await checkpoints.LoadAsync(task, tally, cancellationToken);
        var batch = await feed.TakeAsync(task, cancellationToken);
        if (batch.Services.Count == 0)
        {
            tally.OldestPending = batch.OldestPending;
            return;
        }

        var read = await ChangedServiceReader.ReadAsync(task, feed, batch, request, tally, cancellationToken);
        var changes = Plan(task, read);
        var readStates = read.Changed.Select(p => p.TargetRead.Key.Namespace).Distinct(StringComparer.Ordinal)
            .Select(ns => new NamespaceReadState(ns, !read.IncompleteTargetNamespaces.Contains(ns), SourceEmpty: false)).ToList();
        var examined = read.Changed.Select(p => p.TargetRead.Key).ToHashSet();
        var guarded = await gate.JudgeAsync(task, changes, readStates, a => examined.Contains(a.Service), checkpoint, request.AllowDeletions, tally, cancellationToken);
        NamingRunner.Count(guarded, tally);
        if (request.DryRun)
        {
            tally.Planned = true;
            return;
        }

        var failed = await writer.ApplyAsync(task, guarded.Allowed, tally, cancellationToken);
        await gate.RecordRemovalsAsync(task, tally.Removed, tally, cancellationToken);
        if (task.Mapper.EphemeralReplicas)
        {
            foreach (var change in guarded.Allowed.Where(c => c.Kind != NamingChangeKind.Remove && !failed.Contains(c.Instance.Key.Address)))
            {
                keeper.Track(task.Name, task.TargetCluster, change.Instance);
            }
        }

        await NamingRunner.SaveKeptAsync(keeper, tally, cancellationToken);
        var now = timeProvider.GetUtcNow();
        var pending = NamingRunner.PendingServices(task, guarded, failed, now);
        var done = read.Unchanged.Concat(read.Changed.Select(p => p.Source)).Where(s => !pending.ContainsKey(s)).ToList();
        await feed.CompletedAsync(task, done, cancellationToken);
        feed.KeepPending(task.Name, pending);
        foreach (var service in done)
        {
            if (batch.ChangedAt.TryGetValue(service, out var at))
            {
                tally.Latency(Math.Max(0, (now - at).TotalSeconds));
            }
        }

        tally.OldestPending = feed.OldestPending(task.Name);
    }

    /// <summary>The plan stage: each changed service diffed against its target (<see cref="NamingDiff"/>, Core).</summary>
    private static List<NamingChange> Plan(NamingTask task, ChangedServices read)
    {
        var changes = new List<NamingChange>();
        foreach (var pair in read.Changed)
        {
            var wanted = task.Mapper.InScope(pair.Source) ? task.Mapper.ToReplicas([pair.SourceRead]).ToList() : [];
            var plan = NamingDiff.Compute(wanted, pair.TargetRead.Instances, task.Owner, compareHealth: true);

            // Without the catalog (3.0) the source answer hides disabled instances: a replica mirroring a
            // disabled instance is then left alone here (the full run decides).
            changes.AddRange(plan.Changes.Where(c => c.Kind != NamingChangeKind.Remove || pair.IncludesDisabled || c.Current is { Enabled: true }));
        }

        return changes;
    }
}
