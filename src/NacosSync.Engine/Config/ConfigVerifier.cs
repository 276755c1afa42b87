using Microsoft.Extensions.Logging;
using NacosSync.Core.Config;
using NacosSync.Core.Sync;
using NacosSync.Engine.Sync;

namespace NacosSync.Engine.Config;

/// <summary>What verification left: the keys still to prove at the next run, and when node caches were last refreshed for pending keys.</summary>
internal sealed record VerifyResult(IReadOnlyList<PendingConfig> StillPending, DateTimeOffset? PendingRefreshedAt);

/// <summary>
/// Refreshes the target nodes' caches and proves every node serves what this run wrote or removed, plus the keys
/// earlier runs could not prove (through <see cref="CacheRefresher"/>). Node caches are refreshed when this run
/// changed rows behind the nodes' backs, and for keys that stay pending at most once per
/// <see cref="PendingRefreshInterval"/>: a stuck key costs one read per node per run, not a re-read of every
/// config on every node each second.
/// </summary>
internal sealed partial class ConfigVerifier(TimeProvider timeProvider, ILogger logger, LocalCacheCoalescer localCache, TaskPacer leftovers)
{
    /// <summary>How often keys left pending by earlier runs trigger a cache refresh of their own. Default 30 s.</summary>
    public TimeSpan PendingRefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Tests only: write rows but skip the cache refresh.</summary>
    public bool SkipCacheRefresh { get; init; }

    /// <param name="changed">What this run wrote or removed.</param>
    /// <param name="changedNeedsRefresh">Whether those changes went behind the nodes' backs (database writes) rather than through the config API.</param>
    /// <param name="carried">Keys earlier runs could not prove.</param>
    /// <param name="paceLeftovers">Incremental runs: <paramref name="carried"/> keys are proven at most once a second per task (the runner's <see cref="TaskPacer"/>).</param>
    /// <param name="lastPendingRefresh">When a refresh last happened for pending keys (from the checkpoint); null: never. A full run refreshes for them whenever it runs.</param>
    public async Task<VerifyResult> VerifyAsync(ConfigTaskScope scope, IReadOnlyList<ExpectedConfig> changed, bool changedNeedsRefresh,
        IReadOnlyList<PendingConfig> carried, DateTimeOffset? lastPendingRefresh, ConfigRunTally tally, CancellationToken cancellationToken, bool paceLeftovers = false)
    {
        if (scope.DryRun || (changed.Count == 0 && carried.Count == 0))
        {
            return new VerifyResult(carried, lastPendingRefresh);
        }

        tally.Stage = SyncStage.Verify;
        var now = timeProvider.GetUtcNow();
        var known = ExpectedConfig.KeysOf(changed);
        var others = carried.Where(p => !known.Contains(p.Key)).ToList();
        // Left-over keys are proven at most once a second per task (the runner's TaskPacer), not by every run of a steady stream:
        // until then they stay pending as they were, and count for the lag.
        var deferred = paceLeftovers && others.Count > 0 && changed.Count > 0 && !leftovers.TryPass(scope.TaskName) ? others : [];
        var proven = deferred.Count > 0 ? [] : others;
        var expected = new List<ExpectedConfig>(changed.Count + proven.Count);
        expected.AddRange(changed);
        expected.AddRange(proven.Select(p => new ExpectedConfig(p.Key, p.Md5, p.ChangedAt?.UtcDateTime)));
        var pendingRefreshDue = deferred.Count == 0 && carried.Count > 0 && (lastPendingRefresh is not { } last || now - last >= PendingRefreshInterval);
        var refresh = scope.Target.NeedsCacheRefresh && !SkipCacheRefresh && (changedNeedsRefresh || pendingRefreshDue);
        // Only this run's changes (or a refresh just made) are worth waiting for; keys left over are checked once.
        var deadline = changed.Count > 0 || refresh ? scope.Task.Config.VerifyDeadline : TimeSpan.Zero;
        var refresher = new CacheRefresher(scope.Endpoints.TargetApi, timeProvider, logger, localCache);
        var outcome = await refresher.RefreshAndVerifyAsync(expected, refresh, deadline, cancellationToken);
        foreach (var error in outcome.RefreshErrors)
        {
            tally.Error(SyncStage.Refresh, error);
        }

        var verifiedAt = timeProvider.GetUtcNow();
        foreach (var converged in outcome.Converged)
        {
            if (converged.SourceChangedAt is { } at)
            {
                tally.Latencies.Add(Math.Max(0, (verifiedAt - new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc))).TotalSeconds));
            }
        }

        var stillPending = new List<PendingConfig>(outcome.Pending.Count + deferred.Count);
        foreach (var left in deferred)
        {
            tally.StillPendingSince(left.ChangedAt ?? now);
            stillPending.Add(left);
        }

        var warned = 0;
        foreach (var (pending, why) in outcome.Pending)
        {
            if (warned++ < MaxKeyWarnings)
            {
                LogNotConverged(logger, scope.TaskName, pending.Key, why);
            }

            var when = deadline > TimeSpan.Zero ? $"within {deadline.TotalSeconds:0.#} s" : "yet (left pending by an earlier run)";
            tally.Error(SyncStage.Verify, $"{pending.Key}: not served by every target node {when}: {why}", pending.Key.ToString());
            var changedAt = pending.SourceChangedAt is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : now;
            tally.StillPendingSince(changedAt);
            stillPending.Add(new PendingConfig(pending.Key, pending.Md5, changedAt));
        }

        if (outcome.Pending.Count > MaxKeyWarnings)
        {
            // A backlog (an initial copy whose nodes took longer than the deadline) would otherwise be one line per key per run.
            LogMoreNotConverged(logger, scope.TaskName, outcome.Pending.Count - MaxKeyWarnings, outcome.Pending.Count);
        }

        return new VerifyResult(stillPending, refresh ? now : lastPendingRefresh);
    }

    /// <summary>Keys named one by one in the log per run; the rest are counted in one line (every key is still in the run's errors and pending rows).</summary>
    private const int MaxKeyWarnings = 20;

    [LoggerMessage(EventId = 5017, Level = LogLevel.Warning, Message = "Config task {Task}: {More} more key(s) not served by every target node ({Total} in all this run); they stay pending and are proven again")]
    private static partial void LogMoreNotConverged(ILogger logger, string task, int more, int total);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Warning, Message = "Config task {Task}: {Key} not served by every target node: {Why}")]
    private static partial void LogNotConverged(ILogger logger, string task, ConfigKey key, string why);
}
