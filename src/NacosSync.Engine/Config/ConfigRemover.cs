using Microsoft.Extensions.Logging;
using NacosSync.Core.Config;
using NacosSync.Core.Sync;
using NacosSync.Engine.Sync;
using NacosSync.Nacos.Transport;
using NacosSync.Storage.Config;

namespace NacosSync.Engine.Config;

/// <summary>A target config the source lacks, with the source key it would come from (checked again before a retry).</summary>
internal sealed record RemovalCandidate(ConfigKey Target, ConfigKey? Source);

/// <summary>How the read of one target namespace went: whether the source side completed, and how many configs each side held in scope.</summary>
internal sealed record TenantRead(bool Complete, long SourceCount, long TargetCount);

/// <summary>What the removals left to prove (keys every node must stop serving) and to retry (removals that failed).</summary>
internal sealed record RemovalOutcome(IReadOnlyList<ExpectedConfig> Gone, IReadOnlyList<PendingConfig> Retry, bool NeedsRefresh)
{
    public static RemovalOutcome None { get; } = new([], [], false);
}

/// <summary>
/// Removes target configs the source lacks: only those the task owns (or all, in mirror mode), as far as the one
/// <see cref="DeletionPolicy"/> allows per target namespace, with the removals of recent runs counted against the
/// per-window cap. A removal that fails (the config API refused it, or could not be reached) is an error naming
/// the key and is kept to be retried by the next run; so is a removal the policy held back, until a run may apply it
/// (or the source has the key again).
/// </summary>
internal sealed partial class ConfigRemover(ConfigOwnershipLedger ledger, ConfigRunStateStore state, ILogger logger, TaskPacer warnings)
{
    /// <param name="reads">Per target namespace, how its source read went; a namespace not listed counts as read completely.</param>
    public async Task<RemovalOutcome> RemoveAsync(ConfigTaskScope scope, ConfigRunState loaded, IReadOnlyList<RemovalCandidate> candidates,
        IReadOnlyDictionary<string, TenantRead> reads, ConfigRunTally tally, CancellationToken cancellationToken)
    {
        if (candidates.Count == 0)
        {
            return RemovalOutcome.None;
        }

        tally.Stage = SyncStage.ReadTarget;
        var byKey = candidates.DistinctBy(c => c.Target).ToDictionary(c => c.Target);
        var owned = scope.Mirror ? [] : await ledger.OwnedAsync(scope.Ledger, [.. byKey.Keys], cancellationToken);
        var removable = ConfigPlan.Removable(byKey.Keys, owned, scope.Mirror);
        tally.LeftAloneNatives([.. byKey.Keys.Except(removable)]);
        if (removable.Count == 0)
        {
            return RemovalOutcome.None;
        }

        var namespaces = removable.GroupBy(k => k.Tenant, StringComparer.Ordinal)
            .Select(g => reads.TryGetValue(g.Key, out var read)
                ? new NamespaceDeletions(g.Key, g.Count(), read.Complete, read.Complete && read.SourceCount == 0)
                : new NamespaceDeletions(g.Key, g.Count(), SourceReadComplete: true, SourceReadEmpty: false))
            .ToList();
        var ownedCounts = await ledger.CountByTenantAsync(scope.Ledger, cancellationToken);
        // The base of the ratios: what the task owns in the namespaces this run read (all it owns when it read none).
        var inRun = reads.Keys.Concat(namespaces.Select(n => n.Namespace)).ToHashSet(StringComparer.Ordinal);
        var ownedBase = reads.Count == 0 ? ownedCounts.Values.Sum() : ownedCounts.Where(c => inRun.Contains(c.Key)).Sum(c => c.Value);
        if (scope.Mirror)
        {
            // In mirror mode every target config in scope may go: the base is what the target holds there.
            ownedBase = Math.Max(ownedBase, Math.Max(reads.Values.Sum(r => r.TargetCount), removable.Count));
        }

        var guards = scope.Task.Guards;
        var verdict = DeletionPolicy.Judge(namespaces,
            new DeletionContext(ownedBase, loaded.FirstFullSyncDone, scope.Request.AllowDeletions, await state.RemovedWithinAsync(scope.TaskName, guards.DeletionWindow, cancellationToken)),
            guards);
        foreach (var n in namespaces.Where(n => !verdict.Allows(n.Namespace)))
        {
            tally.RefusedIn(n.Namespace, n.Planned);
        }

        if (verdict.Reason is { } reason)
        {
            if (warnings.TryPass(scope.TaskName))
            {
                LogGuard(logger, scope.TaskName, reason);
            }

            if (verdict.PolicyTripped)
            {
                tally.Tripped(reason);
            }
        }

        var outcome = await ApplyAsync(scope, [.. removable.Where(k => verdict.Allows(k.Tenant)).Select(k => byKey[k])], tally, cancellationToken);
        // Held back by a rule a later run may lift (the window passes, --allow-deletions): kept to be judged again at every
        // run, for an incremental run will not see these deletes again once the source's history has moved on.
        var held = removable.Where(k => verdict.HeldByPolicy.Contains(k.Tenant))
            .Select(k => new PendingConfig(k, null, null, RetryDelete: true, SourceKey: byKey[k].Source)).ToList();
        return held.Count == 0 ? outcome : outcome with { Retry = [.. outcome.Retry, .. held] };
    }

    private async Task<RemovalOutcome> ApplyAsync(ConfigTaskScope scope, IReadOnlyList<RemovalCandidate> allowed, ConfigRunTally tally, CancellationToken cancellationToken)
    {
        tally.Stage = SyncStage.Write;
        if (scope.DryRun)
        {
            foreach (var c in allowed)
            {
                tally.Applied(c.Target.Tenant, ConfigChangeKind.Remove);
            }

            return RemovalOutcome.None;
        }

        var gone = new List<ExpectedConfig>();
        var forget = new List<ConfigKey>();
        var retry = new List<PendingConfig>();
        var needsRefresh = false;
        foreach (var c in allowed)
        {
            var (outcome, error, throughApi) = await DeleteAsync(scope, c.Target, cancellationToken);
            switch (outcome)
            {
                case ConfigWriteOutcome.Deleted:
                    tally.Applied(c.Target.Tenant, ConfigChangeKind.Remove);
                    forget.Add(c.Target);
                    gone.Add(new ExpectedConfig(c.Target, null));
                    needsRefresh |= !throughApi;
                    break;
                case ConfigWriteOutcome.Absent:
                    forget.Add(c.Target);
                    break;
                default:
                    LogDeleteFailed(logger, scope.TaskName, c.Target, error ?? outcome.ToString());
                    tally.FailedOn(c.Target, SyncStage.Write, $"{c.Target}: delete failed, retried at the next run: {error ?? outcome.ToString()}");
                    retry.Add(new PendingConfig(c.Target, null, null, RetryDelete: true, SourceKey: c.Source));
                    break;
            }
        }

        await ledger.ForgetAsync(scope.Ledger, forget, cancellationToken);
        await state.RecordRemovalsAsync(scope.TaskName, gone.Count, cancellationToken);
        return new RemovalOutcome(gone, retry, needsRefresh);
    }

    private static async Task<(ConfigWriteOutcome Outcome, string? Error, bool ThroughApi)> DeleteAsync(ConfigTaskScope scope, ConfigKey key, CancellationToken cancellationToken)
    {
        try
        {
            var deleted = await scope.Target.DeleteAsync(key, cancellationToken);
            return (deleted.Result.Outcome, deleted.Result.Error, deleted.ThroughApi);
        }
        catch (NacosException ex)
        {
            return (ConfigWriteOutcome.Failed, ex.Message, true);
        }
    }

    [LoggerMessage(EventId = 5009, Level = LogLevel.Warning, Message = "Config task {Task}: removals held back: {Reason} (judged again at every run; this warning at most once a minute)")]
    private static partial void LogGuard(ILogger logger, string task, string reason);

    [LoggerMessage(EventId = 5013, Level = LogLevel.Warning, Message = "Config task {Task}: removing {Key} failed ({Error}); it is retried at the next run")]
    private static partial void LogDeleteFailed(ILogger logger, string task, ConfigKey key, string error);
}
