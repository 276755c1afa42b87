using Microsoft.Extensions.Logging;
using NacosSync.Core.Config;
using NacosSync.Core.Sync;

namespace NacosSync.Engine.Config;

/// <summary>
/// An incremental run (docs/config.md): the keys the source's history shows changed since the checkpoint are compared
/// source against target and applied, removals guarded, failed removals of earlier runs retried, every change (and
/// every key left pending) proven on every target node, then the checkpoint saved. Its cost grows with the changes,
/// not with the tables.
/// </summary>
internal sealed partial class ConfigIncrementalRun(ConfigTaskScope scope, ConfigStages stages, ILogger logger)
{
    /// <summary>A checkpoint older than this is not trusted: a full run replaces the incremental one. Default 7 days (history is purged at 30).</summary>
    public TimeSpan MaxCheckpointAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Runs; returns why a full run must replace this one instead, or null when it ran.</summary>
    public async Task<string?> RunAsync(ConfigRunTally tally, CancellationToken cancellationToken)
    {
        var state = await stages.State.LoadAsync(scope.TaskName, cancellationToken);
        if (await WhyNotAsync(state, cancellationToken) is { } fallback)
        {
            return fallback;
        }

        var started = stages.Time.GetTimestamp();
        var (changes, next) = await stages.Changes.ReadAsync(scope, state.Position!, tally, cancellationToken);
        var readAt = stages.Time.GetTimestamp();
        var tenants = changes.Select(c => c.Source.Tenant).Where(t => t != scope.SourcePublic).ToHashSet(StringComparer.Ordinal);
        await stages.Namespaces.CopyAsync(scope, tenants, tally, cancellationToken);
        var (_, retryDeletes) = ConfigPlan.Resume(state.Pending, new HashSet<ConfigKey>(), changes.Select(c => c.Target).ToHashSet());
        var written = new List<ExpectedConfig>();
        var removals = new List<RemovalCandidate>(await StillAbsentAsync(retryDeletes, cancellationToken));
        // A few changes are published (the server refreshes those keys on its nodes); many are written and refreshed once.
        var publish = changes.Count <= scope.Task.Config.PublishUpTo;
        foreach (var chunk in changes.Chunk(ConfigUpsertWriter.BatchSize))
        {
            written.AddRange(await ApplyChunkAsync(chunk, removals, publish, tally, cancellationToken));
        }

        var (prove, _) = ConfigPlan.Resume(state.Pending, written.Select(w => w.Key).ToHashSet(), new HashSet<ConfigKey>());
        var appliedAt = stages.Time.GetTimestamp();

        var removed = await stages.Remover.RemoveAsync(scope, state, removals, new Dictionary<string, TenantRead>(), tally, cancellationToken);
        var changed = written.Concat(removed.Gone).ToList();
        var verified = await stages.Verifier.VerifyAsync(scope, changed, written.Any(w => !w.Published) || removed.NeedsRefresh, prove, state.Position!.PendingRefreshedAt, tally, cancellationToken,
            paceLeftovers: true);
        var verifiedAt = stages.Time.GetTimestamp();
        if (!scope.DryRun)
        {
            var pending = ConfigPlan.CarryOver(state.Pending, state.Pending.Select(p => p.Key).ToHashSet(), verified.StillPending.Concat(removed.Retry));
            await stages.State.SaveAsync(scope.TaskName, state, next with { PendingRefreshedAt = verified.PendingRefreshedAt }, fullSyncCompleted: false, pending, cancellationToken);
        }

        if (changes.Count > 0 || prove.Count > 0)
        {
            var (read, write, verify, save) = (Ms(started, readAt), Ms(readAt, appliedAt), Ms(appliedAt, verifiedAt), Ms(verifiedAt, stages.Time.GetTimestamp()));
            LogStages(logger, scope.TaskName, changes.Count, read, write, verify, save);
        }

        return null;
    }

    private double Ms(long from, long to) => Math.Round((to - from) * 1000.0 / stages.Time.TimestampFrequency);

    [LoggerMessage(EventId = 5020, Level = LogLevel.Debug,
        Message = "Config task {Task} incremental run, {Changes} change(s): history read {ReadMs} ms, compare and write {WriteMs} ms, refresh and proof {VerifyMs} ms, checkpoint {SaveMs} ms")]
    private static partial void LogStages(ILogger logger, string task, int changes, double readMs, double writeMs, double verifyMs, double saveMs);

    private async Task<string?> WhyNotAsync(ConfigRunState state, CancellationToken cancellationToken)
    {
        if (!state.FirstFullSyncDone || state.Position is null)
        {
            return "no complete full sync yet";
        }

        if (stages.Time.GetUtcNow() - state.Checkpoint!.UpdatedAt > MaxCheckpointAge)
        {
            return "the checkpoint is older than Config.MaxCheckpointAge";
        }

        var oldest = await scope.History.OldestAsync(cancellationToken);
        var (latest, _) = await scope.History.LatestAsync(cancellationToken);
        return (oldest is { } o && o.Nid > state.Position.Nid + 1) || latest < state.Position.Nid ? "history rows after the checkpoint were purged" : null;
    }

    /// <summary>Compares one chunk of changed keys source against target and applies the upserts; removals go to <paramref name="removals"/>.</summary>
    private async Task<IReadOnlyList<ExpectedConfig>> ApplyChunkAsync(ConfigChange[] chunk, List<RemovalCandidate> removals, bool publish, ConfigRunTally tally,
        CancellationToken cancellationToken)
    {
        tally.Stage = SyncStage.ReadSource;
        var sourceRows = await scope.SourceRows.ReadRowsAsync([.. chunk.Select(c => c.Source)], cancellationToken);
        tally.Stage = SyncStage.ReadTarget;
        var targetDigests = await scope.Target.ReadDigestsAsync([.. chunk.Select(c => c.Target).Distinct()], cancellationToken);
        var batch = new List<PlannedUpsert>();
        foreach (var change in chunk)
        {
            var sourceDigest = sourceRows.TryGetValue(change.Source, out var row) ? scope.ForTarget(row.Digest with { Key = change.Target }) : null;
            tally.SourceChanges.Add((change.Source, row?.Digest.Md5 ?? ""));
            tally.Read += sourceDigest is null ? 0 : 1;
            switch (ConfigDiff.Compare(change.Target, sourceDigest, targetDigests.GetValueOrDefault(change.Target)))
            {
                case null:
                    break;
                case { Kind: ConfigChangeKind.Remove } removal:
                    removals.Add(new RemovalCandidate(removal.Key, change.Source));
                    break;
                case { } upsert:
                    batch.Add(new PlannedUpsert(change.Source, upsert, change.ChangedAt));
                    break;
            }
        }

        return await stages.Writer.ApplyAsync(scope, batch, sourceRows, publish, tally, cancellationToken);
    }

    /// <summary>Removals that failed or were held back in an earlier run, whose source key is still absent (a key the source has again is not removed).</summary>
    private async Task<IReadOnlyList<RemovalCandidate>> StillAbsentAsync(IReadOnlyList<PendingConfig> retryDeletes, CancellationToken cancellationToken)
    {
        if (retryDeletes.Count == 0)
        {
            return [];
        }

        var sourceKeys = retryDeletes.Where(r => r.SourceKey is not null).Select(r => r.SourceKey!.Value).ToList();
        var present = await scope.SourceRows.ReadRowsAsync(sourceKeys, cancellationToken);
        var retry = retryDeletes.Where(r => r.SourceKey is { } s && !present.ContainsKey(s)).Select(r => new RemovalCandidate(r.Key, r.SourceKey)).ToList();
        if (retry.Count > 0)
        {
            LogRetrying(logger, scope.TaskName, retry.Count);
        }

        return retry;
    }

    [LoggerMessage(EventId = 5014, Level = LogLevel.Debug, Message = "Config task {Task}: judging again {Count} removal(s) kept from an earlier run (failed or held back by a guard)")]
    private static partial void LogRetrying(ILogger logger, string task, int count);
}
