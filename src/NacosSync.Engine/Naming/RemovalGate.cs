using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using NacosSync.Core.Naming;
using NacosSync.Core.Options;
using NacosSync.Core.State;
using NacosSync.Core.Sync;

namespace NacosSync.Engine.Naming;

/// <summary>How a run read one target namespace's source: the facts the deletion policy judges by.</summary>
internal sealed record NamespaceReadState(string TargetNamespace, bool SourceComplete, bool SourceEmpty);

/// <summary>A removal held back until its replica has been missing from the source for the removal grace.</summary>
internal sealed record WaitingRemoval(NamingChange Change, DateTimeOffset MissingSince);

/// <summary>The plan after the guard: what may be applied, the removals the policy refused, and those still in grace.</summary>
internal sealed record GuardedChanges(IReadOnlyList<NamingChange> Allowed, IReadOnlyList<NamingChange> Refused, IReadOnlyList<WaitingRemoval> Waiting, string? Reason, bool PolicyTripped)
{
    /// <summary>Every replica whose removal was planned but not allowed: they stay and are kept alive.</summary>
    public IEnumerable<NamingInstance> Kept => Refused.Select(c => c.Instance).Concat(Waiting.Select(w => w.Change.Instance));
}

/// <summary>
/// The guard stage of both naming runs. Adds and updates always pass. A removal first waits out
/// <c>Guards:RemovalGrace</c> (first-missing times kept in <see cref="StateScope.RemovalCandidate"/>, so an
/// instance that comes back — a source node or its clients restarting — is never removed and re-added),
/// then <see cref="DeletionPolicy"/> judges each target namespace, the per-window cap counting the removals
/// recorded in <see cref="StateScope.Removal"/>. <c>--allow-deletions</c> lifts the grace as it lifts the caps.
/// </summary>
internal sealed partial class RemovalGate(IRunStateStore store, TimeProvider timeProvider, ILogger logger)
{
    /// <summary>Per task: whether the store may hold candidate rows (null: not known yet), so quiet runs need not read them.</summary>
    private readonly ConcurrentDictionary<string, bool> _mayHoldCandidates = new(StringComparer.Ordinal);

    /// <param name="examined">Whether an address lies in what this run read (candidate clocks elsewhere are left as they are).</param>
    public async Task<GuardedChanges> JudgeAsync(NamingTask task, IReadOnlyList<NamingChange> changes, IReadOnlyCollection<NamespaceReadState> namespaces,
        Func<InstanceAddress, bool> examined, NamingCheckpoint checkpoint, bool allowDeletions, NamingRunTally tally, CancellationToken cancellationToken)
    {
        var allowed = changes.Where(c => c.Kind != NamingChangeKind.Remove).ToList();
        var removals = changes.Where(c => c.Kind == NamingChangeKind.Remove).ToList();
        var readStates = namespaces.ToDictionary(n => n.TargetNamespace, StringComparer.Ordinal);
        var context = new DeletionContext(checkpoint.Owned, checkpoint.FirstFullSyncDone, allowDeletions, RemovedInWindow: 0);

        // What holds whatever the timing (a failed read, no full sync yet, an empty source) judges every planned
        // removal first, so an emptied source trips at once instead of waiting in grace; the caps judge what is ripe.
        var early = removals.Count == 0 ? null : DeletionPolicy.Judge(PerNamespace(removals, readStates), context, Uncapped(task.Guards));
        var open = removals.Where(r => early?.Allows(r.Namespace) ?? true).ToList();
        var refused = removals.Except(open).ToList();
        var (ripe, waiting) = await WaitOutGraceAsync(task, open, examined, allowDeletions, tally, cancellationToken);
        DeletionVerdict? capped = null;
        if (ripe.Count > 0)
        {
            var inWindow = allowDeletions ? 0 : await RemovedInWindowAsync(task, tally, cancellationToken);
            capped = DeletionPolicy.Judge(PerNamespace(ripe, readStates), context with { RemovedInWindow = inWindow }, task.Guards);
            refused.AddRange(ripe.Where(r => !capped.Allows(r.Namespace)));
            allowed.AddRange(ripe.Where(r => capped.Allows(r.Namespace)));
        }

        var reasons = new[] { early?.Reason, capped?.Reason }.Where(r => r is not null).ToList();
        var reason = reasons.Count == 0 ? null : string.Join("; ", reasons);
        if (reason is not null)
        {
            LogGuard(logger, task.Name, refused.Count, checkpoint.Owned, reason);
        }

        return new GuardedChanges(allowed, refused, waiting, reason, (early?.PolicyTripped ?? false) || (capped?.PolicyTripped ?? false));
    }

    private static List<NamespaceDeletions> PerNamespace(IEnumerable<NamingChange> removals, Dictionary<string, NamespaceReadState> readStates) =>
        [.. removals.GroupBy(r => r.Namespace, StringComparer.Ordinal).Select(g => new NamespaceDeletions(g.Key, g.Count(),
            readStates.TryGetValue(g.Key, out var s) && s.SourceComplete, readStates.TryGetValue(g.Key, out var e) && e.SourceEmpty))];

    /// <summary>The policy with its caps lifted: only the rules that do not count.</summary>
    private static GuardOptions Uncapped(GuardOptions guards) => new()
    {
        AllowEmptySource = guards.AllowEmptySource,
        DeletionAllowance = int.MaxValue,
        MaxDeletionRatio = 1,
        MaxDeletionRatioPerWindow = 1,
        DeletionWindow = TimeSpan.Zero,
        RemovalGrace = guards.RemovalGrace,
    };

    /// <summary>Records the removals a run applied: one row per run, pruned once older than the window.</summary>
    public async Task RecordRemovalsAsync(NamingTask task, long removed, NamingRunTally tally, CancellationToken cancellationToken)
    {
        if (removed == 0 || task.Guards.DeletionWindow <= TimeSpan.Zero)
        {
            return;
        }

        var now = timeProvider.GetUtcNow();
        var row = new StateEntry(now.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8],
            removed.ToString(CultureInfo.InvariantCulture), now);
        try
        {
            await store.WriteEntriesAsync(task.StateKey, StateScope.Removal, [row], [], cancellationToken);
        }
        catch (Exception ex) when (NamingCheckpoints.IsStoreFailure(ex))
        {
            tally.Error(SyncStage.Write, $"recording {removed} removal(s) for the per-window cap failed: {ex.Message}");
        }
    }

    private async Task<(List<NamingChange> Ripe, List<WaitingRemoval> Waiting)> WaitOutGraceAsync(NamingTask task, List<NamingChange> candidates,
        Func<InstanceAddress, bool> examined, bool allowDeletions, NamingRunTally tally, CancellationToken cancellationToken)
    {
        var grace = task.Guards.RemovalGrace;
        if (grace <= TimeSpan.Zero || (candidates.Count == 0 && _mayHoldCandidates.TryGetValue(task.Name, out var may) && !may))
        {
            return (candidates, []);
        }

        var now = timeProvider.GetUtcNow();
        IReadOnlyList<StateEntry> rows;
        try
        {
            rows = await store.LoadEntriesAsync(task.StateKey, StateScope.RemovalCandidate, cancellationToken);
        }
        catch (Exception ex) when (NamingCheckpoints.IsStoreFailure(ex))
        {
            // Without the clocks nobody can tell how long a replica has been missing: every removal waits.
            tally.Error(SyncStage.ReadTarget, $"loading removal candidates failed: {ex.Message}");
            return ([], [.. candidates.Select(c => new WaitingRemoval(c, now))]);
        }

        var byId = candidates.ToDictionary(c => c.Instance.Key.Address.Id, StringComparer.Ordinal);
        var examinedRows = rows.Where(r => byId.ContainsKey(r.Key) || IsExamined(r, examined)).ToList();
        var (ripeIds, firstMissing) = RemovalGrace.Split(byId.Keys, examinedRows.ToDictionary(r => r.Key, r => r.At, StringComparer.Ordinal), now, grace);
        var ripe = allowDeletions ? candidates : [.. ripeIds.Select(id => byId[id])];
        var ripeSet = ripe.Select(c => c.Instance.Key.Address.Id).ToHashSet(StringComparer.Ordinal);
        var waiting = firstMissing.Where(m => !ripeSet.Contains(m.Key)).Select(m => new WaitingRemoval(byId[m.Key], m.Value)).ToList();

        // Keep the clocks of candidates still missing; forget those that came back. Ripe ones are kept
        // too until their removal is seen done (a refused or failed removal must not restart its clock).
        var known = rows.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        var upserts = firstMissing.Where(m => !known.Contains(m.Key)).Select(m => new StateEntry(m.Key, byId[m.Key].Instance.Key.Service.ToString(), m.Value)).ToList();
        var deletes = examinedRows.Where(r => !firstMissing.ContainsKey(r.Key)).Select(r => r.Key).ToList();
        try
        {
            if (upserts.Count > 0 || deletes.Count > 0)
            {
                await store.WriteEntriesAsync(task.StateKey, StateScope.RemovalCandidate, upserts, deletes, cancellationToken);
            }

            _mayHoldCandidates[task.Name] = rows.Count - deletes.Count + upserts.Count > 0;
        }
        catch (Exception ex) when (NamingCheckpoints.IsStoreFailure(ex))
        {
            tally.Error(SyncStage.Write, $"saving removal candidates failed: {ex.Message}");
            return ([], [.. candidates.Select(c => new WaitingRemoval(c, firstMissing.GetValueOrDefault(c.Instance.Key.Address.Id, now)))]);
        }

        return (ripe, waiting);
    }

    /// <summary>A candidate row's value is its target service (<see cref="ServiceKey.ToString"/>), its key the address id.</summary>
    private static bool IsExamined(StateEntry row, Func<InstanceAddress, bool> examined) =>
        TryParseAddress(row, out var address) && examined(address);

    private static bool TryParseAddress(StateEntry row, out InstanceAddress address)
    {
        address = default;
        var service = row.Value;
        if (!row.Key.StartsWith(service + " ", StringComparison.Ordinal))
        {
            return false;
        }

        var hostPort = row.Key[(service.Length + 1)..];
        var colon = hostPort.LastIndexOf(':');
        if (colon <= 0 || !ServiceKey.TryParse(service, out var key) || !int.TryParse(hostPort.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            return false;
        }

        address = new InstanceAddress(key, hostPort[..colon], port);
        return true;
    }

    private async Task<long> RemovedInWindowAsync(NamingTask task, NamingRunTally tally, CancellationToken cancellationToken)
    {
        var window = task.Guards.DeletionWindow;
        if (window <= TimeSpan.Zero)
        {
            return 0;
        }

        try
        {
            await store.DeleteEntriesBeforeAsync(task.StateKey, StateScope.Removal, timeProvider.GetUtcNow() - window, cancellationToken);
            var rows = await store.LoadEntriesAsync(task.StateKey, StateScope.Removal, cancellationToken);
            return rows.Sum(r => long.TryParse(r.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0);
        }
        catch (Exception ex) when (NamingCheckpoints.IsStoreFailure(ex))
        {
            // Unknown: count the window as full, so removals wait rather than risk draining the target.
            tally.Error(SyncStage.ReadTarget, $"loading the removals of the deletion window failed: {ex.Message}");
            return long.MaxValue / 4;
        }
    }

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Task {Task}: deletion guard held back {Refused} removal(s) ({Owned} owned replicas): {Reason}")]
    private static partial void LogGuard(ILogger logger, string task, int refused, long owned, string reason);
}
