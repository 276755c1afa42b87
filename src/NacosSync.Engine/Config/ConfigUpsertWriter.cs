using Microsoft.Extensions.Logging;
using NacosSync.Core.Config;
using NacosSync.Core.Sync;
using NacosSync.Storage.Config;

namespace NacosSync.Engine.Config;

/// <summary>An addition or update the diff found: the source key to read, the difference (under the target key), and when the source changed.</summary>
internal sealed record PlannedUpsert(ConfigKey Source, ConfigDifference Difference, DateTimeOffset? ChangedAt = null);

/// <summary>
/// Applies upserts, a batch at a time: leaves native target configs alone (unless the task mirrors), reads the
/// source rows, records the keys in the ownership ledger <em>before</em> writing them (so a crash between the two
/// never leaves an unowned copy), writes each key and reports each failure by key. Target failures are errors of
/// stage <c>write</c>, never of the source read, and nothing is applied twice.
/// </summary>
internal sealed partial class ConfigUpsertWriter(ConfigOwnershipLedger ledger, ILogger logger)
{
    /// <summary>Keys per batch: one source read and one ledger statement each.</summary>
    public const int BatchSize = 200;

    /// <summary>Keys written at once within a batch. 8: enough to overlap commits, few enough not to crowd a target database others use.</summary>
    public const int WriteConcurrency = 8;

    /// <summary>Applies the batch; returns what every target node must now serve.</summary>
    /// <param name="fetched">Source rows already read (incremental runs); null to read them here.</param>
    /// <param name="publish">Database mode: publish through the target's config API where it saves a refresh of every row (<see cref="IConfigTarget.UpsertAsync"/>).</param>
    public async Task<IReadOnlyList<ExpectedConfig>> ApplyAsync(ConfigTaskScope scope, IReadOnlyList<PlannedUpsert> batch,
        IReadOnlyDictionary<ConfigKey, ConfigRow>? fetched, bool publish, ConfigRunTally tally, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return [];
        }

        var apply = await OwnershipAsync(scope, batch, tally, cancellationToken);
        tally.Stage = SyncStage.ReadSource;
        var rows = fetched ?? await scope.SourceRows.ReadRowsAsync([.. apply.Select(b => b.Source)], cancellationToken);
        var writes = new List<(ConfigRow Row, PlannedUpsert Planned)>(apply.Count);
        foreach (var planned in apply)
        {
            // A key deleted in the source since the diff read it is left for the next run, which sees the removal.
            if (rows.TryGetValue(planned.Source, out var sourceRow))
            {
                writes.Add((sourceRow with { Key = planned.Difference.Key }, planned));
            }
        }

        tally.Stage = SyncStage.Write;
        if (scope.DryRun)
        {
            foreach (var (row, planned) in writes)
            {
                tally.Applied(row.Key.Tenant, planned.Difference.Kind);
            }

            return [];
        }

        await ledger.RecordAsync(scope.Ledger, [.. writes.Select(w => (w.Row.Key, w.Row.Md5))], cancellationToken);
        // Each key is its own transaction (or API call); several at once let their commits share the database's flushes
        // (group commit) instead of paying one each in turn. A key written twice in one batch keeps its order.
        var results = new ConfigUpsertResult?[writes.Count];
        var distinct = writes.Select(w => w.Row.Key).Distinct().Count() == writes.Count;
        var concurrency = distinct ? WriteConcurrency : 1;
        if (distinct && !publish)
        {
            // Keys absent at the diff (an initial copy: all of them) go in multi-row transactions where the target can take them.
            var absent = Enumerable.Range(0, writes.Count).Where(i => writes[i].Planned.Difference.Target is null).ToList();
            if (absent.Count > 1 && await scope.Target.InsertAbsentAsync([.. absent.Select(i => writes[i].Row)], concurrency, cancellationToken) is { } inserted)
            {
                for (var j = 0; j < absent.Count; j++)
                {
                    results[absent[j]] = new ConfigUpsertResult(inserted[j], ThroughApi: false);
                }
            }
        }

        await Parallel.ForEachAsync(Enumerable.Range(0, writes.Count).Where(i => results[i] is null),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            async (i, ct) => results[i] = await scope.Target.UpsertAsync(writes[i].Row, writes[i].Planned.Difference.Target, publish, ct));
        var expected = new List<ExpectedConfig>(writes.Count);
        for (var i = 0; i < writes.Count; i++)
        {
            var (row, planned) = writes[i];
            var (result, throughApi) = results[i]!;
            switch (result.Outcome)
            {
                case ConfigWriteOutcome.Inserted or ConfigWriteOutcome.Updated:
                    tally.Applied(row.Key.Tenant, planned.Difference.Kind);
                    expected.Add(new ExpectedConfig(row.Key, row.Md5, planned.ChangedAt?.UtcDateTime, throughApi));
                    break;
                case ConfigWriteOutcome.Unchanged:
                    break;
                default:
                    LogWriteFailed(logger, scope.TaskName, row.Key, result.Outcome, result.Error);
                    tally.FailedOn(row.Key, SyncStage.Write, $"{row.Key}: {result.Outcome}: {result.Error}");
                    break;
            }
        }

        return expected;
    }

    /// <summary>Updates of target configs the task does not own are left alone unless it mirrors (<see cref="ConfigPlan.Upsert"/>).</summary>
    private async Task<List<PlannedUpsert>> OwnershipAsync(ConfigTaskScope scope, IReadOnlyList<PlannedUpsert> batch, ConfigRunTally tally, CancellationToken cancellationToken)
    {
        var updates = batch.Where(b => b.Difference.Kind == ConfigChangeKind.Update).Select(b => b.Difference.Key).ToList();
        if (updates.Count == 0 || scope.Mirror)
        {
            return [.. batch];
        }

        tally.Stage = SyncStage.ReadTarget;
        var owned = await ledger.OwnedAsync(scope.Ledger, updates, cancellationToken);
        var apply = new List<PlannedUpsert>(batch.Count);
        foreach (var planned in batch)
        {
            var key = planned.Difference.Key;
            if (ConfigPlan.Upsert(planned.Difference.Kind, owned.Contains(key), scope.Mirror) == UpsertDecision.Apply)
            {
                apply.Add(planned);
            }
            else
            {
                LogNativeLeft(logger, scope.TaskName, key);
                tally.RefusedIn(key.Tenant, 1);
            }
        }

        return apply;
    }

    [LoggerMessage(EventId = 5008, Level = LogLevel.Warning, Message = "Config task {Task}: writing {Key} failed ({Outcome}): {Error}")]
    private static partial void LogWriteFailed(ILogger logger, string task, ConfigKey key, ConfigWriteOutcome outcome, string? error);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Debug, Message = "Config task {Task}: {Key} differs from the source but was created in the target, not by this task; left alone (Config:MirrorDeletes overwrites)")]
    private static partial void LogNativeLeft(ILogger logger, string task, ConfigKey key);
}
