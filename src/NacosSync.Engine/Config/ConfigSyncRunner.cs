using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NacosSync.Core.Config;
using NacosSync.Core.Options;
using NacosSync.Core.Sync;
using NacosSync.Engine.Clusters;
using NacosSync.Nacos.Config;
using NacosSync.Nacos.Transport;
using NacosSync.Storage.Config;
using NacosSync.Storage.State;

namespace NacosSync.Engine.Config;

/// <summary>
/// Config sync of one task, database or API mode (docs/config.md): refuse source == target →
/// load checkpoint → read (full: streaming merge-diff per segment; incremental: the source's
/// <c>his_config_info</c> since the checkpoint, with an overlap window) → guard removals → write
/// → refresh the target nodes' caches → prove every node serves each change → save checkpoint.
/// </summary>
internal sealed partial class ConfigSyncRunner(
    IOptionsMonitor<NacosSyncOptions> options,
    CheckpointStore checkpoints,
    ConfigOwnershipLedger ledger,
    IConfigEndpointsProvider endpoints,
    TimeProvider timeProvider,
    ILogger<ConfigSyncRunner> logger) : ISyncRunner
{
    private const int ApplyBatch = 200;
    private const int HistoryPage = 5_000;
    private const int MaxHistoryPerRun = 50_000;

    /// <summary>How far before the checkpoint's time history rows are read again (out-of-order nids). Default 60 s.</summary>
    public TimeSpan OverlapWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A checkpoint older than this is not trusted: the incremental job runs a full diff. Default 7 days (history is purged at 30).</summary>
    public TimeSpan MaxCheckpointAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Tests only: write rows but skip the cache refresh, to show what a node serves without it.</summary>
    internal bool SkipCacheRefresh { get; init; }

    /// <summary>Tests only: false sends database-mode deletes straight to the database (the API-refused fallback path).</summary>
    internal bool DeleteThroughApi { get; init; } = true;

    public SyncKind Kind => SyncKind.Config;

    public async Task<SyncRunResult> RunAsync(string taskName, SyncMode mode, SyncRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = timeProvider.GetTimestamp();
        var run = new RunState();
        try
        {
            var all = options.CurrentValue;
            if (!all.Tasks.TryGetValue(taskName, out var task))
            {
                run.Error(SyncStage.ReadSource, $"no task named '{taskName}'");
            }
            else if (!task.Config.Enabled)
            {
                LogDisabled(logger, taskName);
            }
            else if (string.Equals(task.Source, task.Target, StringComparison.Ordinal))
            {
                run.Error(SyncStage.ReadSource, $"task '{taskName}': source and target are the same cluster ({task.Source}); refusing to run");
            }
            else
            {
                var context = await PrepareAsync(taskName, task, all, request, cancellationToken);
                if (context.Refusal is { } refusal)
                {
                    run.Error(SyncStage.ReadTarget, refusal);
                }
                else if (mode == SyncMode.Full || !await IncrementalAsync(context, run, cancellationToken))
                {
                    await FullAsync(context, run, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // The run's boundary: whatever failed is reported in the result, never thrown to the scheduler.
            LogRunFailed(logger, ex, taskName, mode);
            run.Error(run.Stage, ex.Message);
        }

        var result = run.ToResult(taskName, mode, timeProvider.GetElapsedTime(started));
        LogRun(logger, taskName, mode, result.Added, result.Updated, result.Removed, result.Refused, result.Failed, result.Errors.Count);
        return result;
    }

    private async Task<RunContext> PrepareAsync(string taskName, SyncTaskOptions task, NacosSyncOptions all, SyncRunRequest request, CancellationToken cancellationToken)
    {
        var ep = endpoints.Get(taskName, task, all);
        var apiMode = task.Config.Mode == ConfigSyncMode.Api;
        var sourceSchema = await ConfigSchema.DetectAsync(ep.SourceDatabase, cancellationToken);
        ConfigSchema? targetSchema = null;
        string? refusal = null;
        if (ep.TargetDatabase is { } targetDatabase)
        {
            if (string.Equals(targetDatabase.Description, ep.SourceDatabase.Description, StringComparison.Ordinal))
            {
                refusal = $"task '{taskName}': source and target use the same database ({targetDatabase.Description}); refusing to run";
            }

            targetSchema = await ConfigSchema.DetectAsync(targetDatabase, cancellationToken);
            var problems = ConfigSchema.Unsupported(sourceSchema, targetSchema);
            if (problems.Count > 0)
            {
                refusal ??= $"task '{taskName}': unsupported schema combination (source {sourceSchema.Line}, target {targetSchema.Line}): {string.Join("; ", problems)}";
            }
        }
        else if (!sourceSchema.HasConfigInfo || !sourceSchema.HasHistory)
        {
            refusal = $"task '{taskName}': the source database lacks config_info or his_config_info (schema {sourceSchema.Line})";
        }

        var sourcePublic = await PublicTenantAsync(ep.SourceApi, cancellationToken);
        var targetPublic = await PublicTenantAsync(ep.TargetApi, cancellationToken);
        var sourceRows = new ConfigRowStore(ep.SourceDatabase, sourceSchema);
        IConfigTarget target = ep.TargetDatabase is { } tdb && targetSchema is not null
            ? new DatabaseConfigTarget(new ConfigRowStore(tdb, targetSchema), new ConfigRowWriter(tdb, targetSchema), ep.TargetApi, DeleteThroughApi)
            : new ApiConfigTarget(ep.TargetApi);
        LogPrepared(logger, taskName, apiMode ? "api" : "database", sourceSchema.Line, targetSchema?.Line ?? "n/a (api)");
        return new RunContext
        {
            TaskName = taskName,
            Task = task,
            Request = request,
            ApiMode = apiMode,
            Endpoints = ep,
            SourceRows = sourceRows,
            History = new ConfigHistoryFeed(ep.SourceDatabase),
            SourceNamespaces = sourceSchema.HasTenantInfo ? new NamespaceStore(ep.SourceDatabase) : null,
            TargetNamespaces = ep.TargetDatabase is { } t2 && targetSchema is { HasTenantInfo: true } ? new NamespaceStore(t2) : null,
            SourceVariants = new ConfigVariantStore(ep.SourceDatabase, sourceSchema),
            TargetVariants = ep.TargetDatabase is { } t3 && targetSchema is not null ? new ConfigVariantStore(t3, targetSchema) : null,
            Target = target,
            Mapping = new ConfigMapping(task, sourcePublic, targetPublic),
            SourcePublic = sourcePublic,
            Refresher = new CacheRefresher(ep.TargetApi, timeProvider, logger),
            Refusal = refusal,
        };
    }

    /// <summary>The registry's one public-tenant policy; a version that cannot be read fails the run (naming the cluster).</summary>
    private static Task<string> PublicTenantAsync(NacosConfigClient api, CancellationToken cancellationToken) =>
        NacosClientFactory.PublicConfigTenantAsync(api.Transport, cancellationToken);

    private async Task FullAsync(RunContext context, RunState run, CancellationToken cancellationToken)
    {
        run.Stage = SyncStage.ReadSource;
        var sourceNow = await context.SourceRows.NowAsync(cancellationToken);
        var startNid = await context.History.LatestNidAsync(cancellationToken);
        var clockAtStart = timeProvider.GetUtcNow();

        // The public namespace and the mapped ones are always diffed, so a source that empties is seen as such (and guarded).
        var tenants = new HashSet<string>(await context.SourceRows.ReadTenantsAsync(cancellationToken), StringComparer.Ordinal) { context.SourcePublic };
        tenants.UnionWith(context.Task.Namespaces.Keys.Select(k => k == "public" ? context.SourcePublic : k));
        if (context.SourceNamespaces is { } sourceNamespaces)
        {
            var namespaces = await sourceNamespaces.ReadAsync(cancellationToken);
            tenants.UnionWith(namespaces.Select(n => n.Id));
            await EnsureNamespacesAsync(context, run, namespaces, cancellationToken);
        }

        var segments = context.Mapping.Segments(tenants.Where(t => InRequestedNamespace(context, t)));
        var removals = new List<ConfigDifference>();
        var expected = new List<ExpectedConfig>();
        long sourceCount = 0;
        long targetCount = 0;
        var readsComplete = true;
        var cacheCheck = context.Request.CheckTargetCaches ? new ConfigCacheChecker(context.Endpoints.TargetApi) : null;
        foreach (var segment in segments)
        {
            if (segment.SourceGroup is { } mappedGroup && !context.Mapping.Filter.Groups.Matches(mappedGroup))
            {
                continue;
            }

            bool Keep(string group, string dataId) => context.Mapping.Filter.Matches(segment.SourceGroup ?? group, dataId);
            var source = Count(context.SourceRows.ReadDigestsAsync(segment.SourceTenant, segment.SourceGroup, segment.ExcludedSourceGroups, Keep, cancellationToken),
                d => context.ApiMode ? ApiConfigTarget.ForApi(d with { Key = segment.MapKey(d.Key) }) : d with { Key = segment.MapKey(d.Key) },
                () => sourceCount++);
            if (cacheCheck is not null)
            {
                source = cacheCheck.TapAsync(source, cancellationToken);
            }

            var target = Count(context.Target.ReadDigestsAsync(segment, Keep, cancellationToken), d => d, () => targetCount++);
            var batch = new List<(ConfigKey, ConfigDifference)>(ApplyBatch);
            try
            {
                await foreach (var difference in ConfigDiff.DiffAsync(source, target, cancellationToken))
                {
                    run.Drift++;
                    if (difference.Kind == ConfigChangeKind.Remove)
                    {
                        removals.Add(difference);
                        continue;
                    }

                    batch.Add((new ConfigKey(segment.SourceTenant, segment.SourceGroup ?? difference.Key.Group, difference.Key.DataId), difference));
                    if (batch.Count == ApplyBatch)
                    {
                        await ApplyAsync(context, run, batch, expected, null, cancellationToken);
                        batch.Clear();
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                readsComplete = false;
                LogReadFailed(logger, ex, context.TaskName, segment);
                run.Error(SyncStage.ReadSource, $"reading {segment} failed: {ex.Message}");
            }

            await ApplyAsync(context, run, batch, expected, null, cancellationToken);
            run.Read = sourceCount;
        }

        if (cacheCheck is not null)
        {
            await ReportStaleCachesAsync(cacheCheck, run, cancellationToken);
        }

        await RemoveAsync(context, run, removals, targetCount, sourceCount, readsComplete, expected, segments.Select(s => s.TargetTenant).Distinct(), cancellationToken);
        await SyncVariantsAsync(context, run, readsComplete, sourceCount, segments.Select(s => s.TargetTenant).ToHashSet(StringComparer.Ordinal), cancellationToken);
        await AddPreviouslyPendingAsync(context, expected, cancellationToken);
        var pending = await VerifyAsync(context, run, expected, sourceNow, clockAtStart, cancellationToken);
        if (!context.Request.DryRun)
        {
            await checkpoints.SaveAsync(context.TaskName, SyncKind.Config.Name(),
                new ConfigPosition(startNid, sourceNow, pending).Serialize(), fullSyncCompleted: readsComplete, cancellationToken);
        }
    }

    /// <summary>Returns false when the checkpoint cannot be trusted and a full run must replace this one.</summary>
    private async Task<bool> IncrementalAsync(RunContext context, RunState run, CancellationToken cancellationToken)
    {
        run.Stage = SyncStage.ReadSource;
        var checkpoint = await checkpoints.LoadAsync(context.TaskName, SyncKind.Config.Name(), cancellationToken);
        var position = ConfigPosition.Parse(checkpoint?.Position);
        if (checkpoint?.FullSyncAt is null || position is null)
        {
            LogFallback(logger, context.TaskName, "no complete full sync yet");
            return false;
        }

        if (timeProvider.GetUtcNow() - checkpoint.UpdatedAt > MaxCheckpointAge)
        {
            LogFallback(logger, context.TaskName, "the checkpoint is older than Config.MaxCheckpointAge");
            return false;
        }

        var oldest = await context.History.OldestAsync(cancellationToken);
        var latest = await context.History.LatestNidAsync(cancellationToken);
        if ((oldest is { } o && o.Nid > position.Nid + 1) || latest < position.Nid)
        {
            LogFallback(logger, context.TaskName, "history rows after the checkpoint were purged");
            return false;
        }

        var sourceNow = await context.SourceRows.NowAsync(cancellationToken);
        var clockAtStart = timeProvider.GetUtcNow();
        var entries = new List<ConfigHistoryEntry>(await context.History.ReadOverlapAsync(position.Nid, position.SourceTime - OverlapWindow, cancellationToken));
        var nid = position.Nid;
        while (entries.Count < MaxHistoryPerRun)
        {
            var page = await context.History.ReadAfterAsync(nid, HistoryPage, cancellationToken);
            entries.AddRange(page);
            if (page.Count > 0)
            {
                nid = page[^1].Nid;
            }

            if (page.Count < HistoryPage)
            {
                break;
            }
        }

        var changed = entries
            .Where(e => InRequestedNamespace(context, e.Key.Tenant))
            .GroupBy(e => e.Key)
            .Select(g => (Source: g.Key, Target: context.Mapping.MapKey(g.Key), ChangedAt: g.Max(e => e.ModifiedAt)))
            .Where(c => c.Target is not null)
            .ToList();
        var changedTenants = changed.Select(c => c.Source.Tenant).Where(t => t != context.SourcePublic).ToHashSet(StringComparer.Ordinal);
        if (changedTenants.Count > 0 && context.SourceNamespaces is { } sourceNamespaces)
        {
            // A namespace created in the source since the last full run exists in the target before its configs do.
            var namespaces = await sourceNamespaces.ReadAsync(cancellationToken);
            await EnsureNamespacesAsync(context, run, [.. namespaces.Where(n => changedTenants.Contains(n.Id))], cancellationToken);
        }

        var expected = new List<ExpectedConfig>();
        var removals = new List<ConfigDifference>();
        foreach (var chunk in changed.Chunk(ApplyBatch))
        {
            var sourceRows = await context.SourceRows.ReadRowsAsync([.. chunk.Select(c => c.Source)], cancellationToken);
            var batch = new List<(ConfigKey, ConfigDifference)>();
            var changedAt = new Dictionary<ConfigKey, DateTime>();
            run.Stage = SyncStage.ReadTarget;
            var targetDigests = await context.Target.ReadDigestsAsync([.. chunk.Select(c => c.Target!.Value).Distinct()], cancellationToken);
            foreach (var (sourceKey, targetKey, at) in chunk)
            {
                var key = targetKey!.Value;
                changedAt[key] = at;
                var sourceDigest = sourceRows.TryGetValue(sourceKey, out var row) ? row.Digest with { Key = key } : null;
                if (sourceDigest is not null && context.ApiMode)
                {
                    sourceDigest = ApiConfigTarget.ForApi(sourceDigest);
                }

                var targetDigest = targetDigests.GetValueOrDefault(key);
                run.Read += sourceDigest is null ? 0 : 1;
                if (ConfigDiff.Compare(key, sourceDigest, targetDigest) is not { } difference)
                {
                    continue;
                }

                if (difference.Kind == ConfigChangeKind.Remove)
                {
                    removals.Add(difference);
                }
                else
                {
                    batch.Add((sourceKey, difference));
                }
            }

            await ApplyAsync(context, run, batch, expected, changedAt, cancellationToken, sourceRows);
        }

        var targetTenants = changed.Select(c => c.Target!.Value.Tenant).Distinct();
        await RemoveAsync(context, run, removals, targetCount: -1, sourceCount: long.MaxValue, readsComplete: true, expected, targetTenants, cancellationToken);

        AddPending(expected, position);
        var pending = await VerifyAsync(context, run, expected, sourceNow, clockAtStart, cancellationToken);
        if (!context.Request.DryRun)
        {
            await checkpoints.SaveAsync(context.TaskName, SyncKind.Config.Name(),
                new ConfigPosition(nid, sourceNow, pending).Serialize(), fullSyncCompleted: false, cancellationToken);
        }

        return true;
    }

    /// <summary>
    /// Beta, tag and gray rows (database mode, full runs): copied kind to kind when both schemas have
    /// the table; a kind the target lacks (beta/tag into a 2.5.1+/3.0 target, gray into an older one)
    /// is reported, not converted. Removed only where the formal config is owned (or the task mirrors),
    /// under the same guards. Node caches of these rows are not refreshed or proven (docs/config.md).
    /// </summary>
    private async Task SyncVariantsAsync(RunContext context, RunState run, bool readsComplete, long formalSourceCount, HashSet<string> targetTenants, CancellationToken cancellationToken)
    {
        if (context.SourceVariants is not { } sourceStore || context.TargetVariants is not { } targetStore)
        {
            return;
        }

        foreach (var kind in sourceStore.Kinds)
        {
            run.Stage = SyncStage.ReadSource;
            var source = new Dictionary<(ConfigKey, string), ConfigVariant>();
            foreach (var v in await sourceStore.ReadAllAsync(kind, cancellationToken))
            {
                if (InRequestedNamespace(context, v.Key.Tenant) && context.Mapping.MapKey(v.Key) is { } key)
                {
                    source[(key, v.Name)] = v with { Key = key };
                }
            }

            if (!targetStore.Kinds.Contains(kind))
            {
                if (source.Count > 0)
                {
                    run.Error(SyncStage.Write, $"{source.Count} {kind.ToString().ToLowerInvariant()} row(s) not copied: the target schema has no table for them (beta/tag and gray are not converted)");
                }

                continue;
            }

            run.Stage = SyncStage.ReadTarget;
            var target = (await targetStore.ReadAllAsync(kind, cancellationToken)).ToDictionary(v => v.Identity);
            run.Stage = SyncStage.Write;
            foreach (var (identity, v) in source)
            {
                var current = target.GetValueOrDefault(identity);
                if (current is not null && current.SameAs(v))
                {
                    continue;
                }

                var changeKind = current is null ? ConfigChangeKind.Add : ConfigChangeKind.Update;
                run.Drift++;
                run.Count(context.TaskName, v.Key.Tenant, changeKind);
                if (context.Request.DryRun)
                {
                    continue;
                }

                var result = await targetStore.UpsertAsync(v, cancellationToken);
                if (result.Outcome is ConfigWriteOutcome.NotStorable or ConfigWriteOutcome.Failed)
                {
                    run.Uncount(v.Key.Tenant, changeKind);
                    run.Failed++;
                    run.Error(SyncStage.Write, $"{v.Key} {kind.ToString().ToLowerInvariant()} '{v.Name}': {result.Outcome}: {result.Error}", v.Key.ToString());
                }
            }

            var candidates = target.Values.Where(t => !source.ContainsKey(t.Identity) && targetTenants.Contains(t.Key.Tenant)
                && context.Mapping.Filter.DataIds.Matches(t.Key.DataId)).ToList();
            if (!context.Task.Config.MirrorDeletes && candidates.Count > 0)
            {
                var owned = await ledger.OwnedAsync(context.TaskName, [.. candidates.Select(c => c.Key).Distinct()], cancellationToken);
                candidates = [.. candidates.Where(c => owned.Contains(c.Key))];
            }

            // A beta or gray release that ended leaves its table empty: the empty-source guard looks at the formal read.
            var decision = ConfigDeletionGuard.Evaluate(candidates.Count, target.Count, formalSourceCount, readsComplete, context.Task.Guards, context.Request.AllowDeletions);
            if (!decision.Allowed)
            {
                run.Refused += candidates.Count;
                run.GuardTripped ??= decision.Reason;
                continue;
            }

            foreach (var v in candidates)
            {
                run.Drift++;
                run.Count(context.TaskName, v.Key.Tenant, ConfigChangeKind.Remove);
                if (!context.Request.DryRun && (await targetStore.DeleteAsync(v, cancellationToken)).Outcome is ConfigWriteOutcome.Failed)
                {
                    run.Uncount(v.Key.Tenant, ConfigChangeKind.Remove);
                    run.Failed++;
                    run.Error(SyncStage.Write, $"{v.Key} {kind.ToString().ToLowerInvariant()} '{v.Name}': delete failed", v.Key.ToString());
                }
            }
        }
    }

    /// <summary>Keys a previous run wrote but could not prove are refreshed and proven again by this one, full or incremental.</summary>
    private static void AddPending(List<ExpectedConfig> expected, ConfigPosition? position)
    {
        if (position is null)
        {
            return;
        }

        var known = expected.Select(e => e.Key).ToHashSet();
        expected.AddRange(position.Pending.Where(p => !known.Contains(p.Key)).Select(p => new ExpectedConfig(p.Key, p.Md5)));
    }

    private async Task AddPreviouslyPendingAsync(RunContext context, List<ExpectedConfig> expected, CancellationToken cancellationToken)
    {
        if (!context.Request.DryRun)
        {
            var checkpoint = await checkpoints.LoadAsync(context.TaskName, SyncKind.Config.Name(), cancellationToken);
            AddPending(expected, ConfigPosition.Parse(checkpoint?.Position));
        }
    }

    private async Task ApplyAsync(RunContext context, RunState run, List<(ConfigKey Source, ConfigDifference Difference)> batch, List<ExpectedConfig> expected,
        Dictionary<ConfigKey, DateTime>? changedAt, CancellationToken cancellationToken, Dictionary<ConfigKey, ConfigRow>? fetched = null)
    {
        if (batch.Count == 0)
        {
            return;
        }

        run.Stage = SyncStage.ReadSource;
        var rows = fetched ?? await context.SourceRows.ReadRowsAsync([.. batch.Select(b => b.Source)], cancellationToken);
        run.Stage = SyncStage.Write;
        foreach (var (sourceKey, difference) in batch)
        {
            if (!rows.TryGetValue(sourceKey, out var sourceRow))
            {
                // Deleted in the source since the diff read it: the next run sees the removal.
                continue;
            }

            var row = sourceRow with { Key = difference.Key };
            run.Count(context.TaskName, difference.Key.Tenant, difference.Kind);
            if (context.Request.DryRun)
            {
                continue;
            }

            var result = await context.Target.UpsertAsync(row, difference.Target, cancellationToken);
            switch (result.Outcome)
            {
                case ConfigWriteOutcome.Inserted or ConfigWriteOutcome.Updated:
                    await ledger.RecordAsync(context.TaskName, row.Key, row.Md5, cancellationToken);
                    expected.Add(new ExpectedConfig(row.Key, row.Md5, changedAt?.GetValueOrDefault(row.Key)));
                    break;
                case ConfigWriteOutcome.Unchanged:
                    run.Uncount(difference.Key.Tenant, difference.Kind);
                    break;
                default:
                    run.Uncount(difference.Key.Tenant, difference.Kind);
                    run.Failed++;
                    LogWriteFailed(logger, context.TaskName, row.Key, result.Outcome, result.Error);
                    run.Error(SyncStage.Write, $"{row.Key}: {result.Outcome}: {result.Error}", row.Key.ToString());
                    break;
            }
        }
    }

    private async Task RemoveAsync(RunContext context, RunState run, List<ConfigDifference> removals, long targetCount, long sourceCount, bool readsComplete,
        List<ExpectedConfig> expected, IEnumerable<string> targetTenants, CancellationToken cancellationToken)
    {
        if (removals.Count == 0)
        {
            return;
        }

        run.Stage = SyncStage.Write;
        var keys = removals.Select(r => r.Key).ToList();
        if (!context.Task.Config.MirrorDeletes)
        {
            // Only configs this task wrote are removed; native target configs are left alone.
            var owned = await ledger.OwnedAsync(context.TaskName, keys, cancellationToken);
            keys = [.. keys.Where(owned.Contains)];
        }

        if (keys.Count == 0)
        {
            return;
        }

        if (targetCount < 0 || !context.Task.Config.MirrorDeletes)
        {
            targetCount = 0;
            foreach (var tenant in targetTenants)
            {
                targetCount += await ledger.CountAsync(context.TaskName, tenant, cancellationToken);
            }
        }

        var decision = ConfigDeletionGuard.Evaluate(keys.Count, targetCount, sourceCount, readsComplete, context.Task.Guards, context.Request.AllowDeletions);
        if (!decision.Allowed)
        {
            run.Refused += keys.Count;
            run.GuardTripped = decision.Reason;
            LogGuard(logger, context.TaskName, decision.Reason ?? "");
            foreach (var key in keys)
            {
                run.RefusedIn(key.Tenant);
            }

            return;
        }

        foreach (var key in keys)
        {
            run.Count(context.TaskName, key.Tenant, ConfigChangeKind.Remove);
            if (context.Request.DryRun)
            {
                continue;
            }

            var deleted = await context.Target.DeleteAsync(key, cancellationToken);
            switch (deleted.Result.Outcome)
            {
                case ConfigWriteOutcome.Deleted:
                    await ledger.ForgetAsync(context.TaskName, key, cancellationToken);
                    expected.Add(new ExpectedConfig(key, null));
                    break;
                case ConfigWriteOutcome.Absent:
                    run.Uncount(key.Tenant, ConfigChangeKind.Remove);
                    await ledger.ForgetAsync(context.TaskName, key, cancellationToken);
                    break;
                default:
                    run.Uncount(key.Tenant, ConfigChangeKind.Remove);
                    run.Failed++;
                    run.Error(SyncStage.Write, $"{key}: delete {deleted.Result.Outcome}: {deleted.Result.Error}", key.ToString());
                    break;
            }
        }
    }

    /// <summary>Every node that serves a source config with another md5 (or not at all) is a verify error naming key and node.</summary>
    private static async Task ReportStaleCachesAsync(ConfigCacheChecker cacheCheck, RunState run, CancellationToken cancellationToken)
    {
        try
        {
            await cacheCheck.FlushAsync(cancellationToken);
        }
        catch (NacosException ex)
        {
            run.Error(SyncStage.Verify, $"checking the target nodes' caches failed: {ex.Message}");
            return;
        }

        foreach (var (key, node) in cacheCheck.Stale)
        {
            run.Error(SyncStage.Verify, $"node {node.Authority} does not serve the source's md5", key.ToString());
        }
    }

    private async Task<IReadOnlyList<PendingKey>> VerifyAsync(RunContext context, RunState run, List<ExpectedConfig> expected, DateTime sourceNow,
        DateTimeOffset clockAtStart, CancellationToken cancellationToken)
    {
        if (expected.Count == 0 || context.Request.DryRun)
        {
            return [];
        }

        run.Stage = SyncStage.Verify;
        var outcome = await context.Refresher.RefreshAndVerifyAsync(expected, refresh: context.Target.NeedsCacheRefresh && !SkipCacheRefresh,
            context.Task.Config.VerifyDeadline, cancellationToken);
        foreach (var error in outcome.RefreshErrors)
        {
            run.Error(SyncStage.Refresh, error);
        }

        // Source times are the source database's clock: carry it forward by our own elapsed time.
        var sourceClockNow = sourceNow + (timeProvider.GetUtcNow() - clockAtStart);
        foreach (var converged in outcome.Converged)
        {
            if (converged.SourceChangedAt is { } at)
            {
                run.Latencies.Add(Math.Max(0, (sourceClockNow - at).TotalSeconds));
            }
        }

        foreach (var (pending, why) in outcome.Pending)
        {
            LogNotConverged(logger, context.TaskName, pending.Key, why);
            run.Error(SyncStage.Verify, $"{pending.Key}: not served by every target node within {context.Task.Config.VerifyDeadline.TotalSeconds:0.#} s: {why}", pending.Key.ToString());
            var changed = pending.SourceChangedAt is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : timeProvider.GetUtcNow();
            run.OldestPending = run.OldestPending is { } o && o < changed ? o : changed;
        }

        return [.. outcome.Pending.Take(ConfigPosition.MaxPending).Select(p => new PendingKey(p.Expected.Key.Tenant, p.Expected.Key.Group, p.Expected.Key.DataId, p.Expected.Md5))];
    }

    private async Task EnsureNamespacesAsync(RunContext context, RunState run, IReadOnlyList<NacosNamespace> namespaces, CancellationToken cancellationToken)
    {
        if (context.TargetNamespaces is not { } targetNamespaces || context.Request.DryRun)
        {
            return;
        }

        run.Stage = SyncStage.Write;
        foreach (var ns in namespaces)
        {
            if (!InRequestedNamespace(context, ns.Id) || context.Mapping.MapTenant(ns.Id) is not { Length: > 0 } targetId || targetId == "public")
            {
                continue;
            }

            if (await targetNamespaces.EnsureAsync(ns with { Id = targetId }, cancellationToken))
            {
                LogNamespaceCreated(logger, context.TaskName, targetId);
            }
        }
    }

    private static bool InRequestedNamespace(RunContext context, string sourceTenant) =>
        context.Request.Namespace is not { } wanted
        || wanted == sourceTenant
        || (wanted == "public" && sourceTenant == context.SourcePublic);

    private static async IAsyncEnumerable<ConfigDigest> Count(IAsyncEnumerable<ConfigDigest> rows, Func<ConfigDigest, ConfigDigest> map, Action counted)
    {
        await foreach (var row in rows)
        {
            counted();
            yield return map(row);
        }
    }

    private sealed class RunContext
    {
        public required string TaskName { get; init; }

        public required SyncTaskOptions Task { get; init; }

        public required SyncRunRequest Request { get; init; }

        public required bool ApiMode { get; init; }

        public required ConfigTaskEndpoints Endpoints { get; init; }

        public required ConfigRowStore SourceRows { get; init; }

        public required ConfigHistoryFeed History { get; init; }

        public NamespaceStore? SourceNamespaces { get; init; }

        public NamespaceStore? TargetNamespaces { get; init; }

        public ConfigVariantStore? SourceVariants { get; init; }

        public ConfigVariantStore? TargetVariants { get; init; }

        public required IConfigTarget Target { get; init; }

        public required ConfigMapping Mapping { get; init; }

        public required string SourcePublic { get; init; }

        public required CacheRefresher Refresher { get; init; }

        public string? Refusal { get; init; }
    }

    private sealed class RunState
    {
        private readonly Dictionary<string, long[]> _namespaces = new(StringComparer.Ordinal);
        private readonly List<SyncError> _errors = [];

        public SyncStage Stage { get; set; } = SyncStage.ReadSource;

        public long Read { get; set; }

        public long Drift { get; set; }

        public long Refused { get; set; }

        public long Failed { get; set; }

        public string? GuardTripped { get; set; }

        public List<double> Latencies { get; } = [];

        public DateTimeOffset? OldestPending { get; set; }

        public void Error(SyncStage stage, string message, string? key = null) => _errors.Add(new SyncError(stage, message, key));

        public void Count(string taskName, string tenant, ConfigChangeKind kind) => Slot(tenant)[(int)kind]++;

        public void Uncount(string tenant, ConfigChangeKind kind) => Slot(tenant)[(int)kind]--;

        public void RefusedIn(string tenant) => Slot(tenant)[3]++;

        private long[] Slot(string tenant)
        {
            if (!_namespaces.TryGetValue(tenant, out var slot))
            {
                slot = new long[4];
                _namespaces[tenant] = slot;
            }

            return slot;
        }

        public SyncRunResult ToResult(string taskName, SyncMode mode, TimeSpan duration) => new()
        {
            TaskName = taskName,
            Kind = SyncKind.Config,
            Mode = mode,
            Read = Read,
            Added = _namespaces.Values.Sum(s => s[0]),
            Updated = _namespaces.Values.Sum(s => s[1]),
            Removed = _namespaces.Values.Sum(s => s[2]),
            Refused = Refused,
            Failed = Failed,
            Drift = Drift,
            GuardTripped = GuardTripped,
            Errors = _errors,
            Namespaces = [.. _namespaces.OrderBy(n => n.Key, StringComparer.Ordinal)
                .Select(n => new NamespaceCounts(n.Key.Length == 0 ? "public" : n.Key, n.Value[0], n.Value[1], n.Value[2], n.Value[3]))],
            ChangeLatencies = Latencies,
            OldestPendingChange = OldestPending,
            Duration = duration,
        };
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Config sync of task {Task} is disabled")]
    private static partial void LogDisabled(ILogger logger, string task);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Config sync run of task {Task} ({Mode}) failed")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string task, SyncMode mode);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Debug, Message = "Config sync of task {Task} ({Mode}): {Added} added, {Updated} updated, {Removed} removed, {Refused} refused, {Failed} failed, {Errors} error(s)")]
    private static partial void LogRun(ILogger logger, string task, SyncMode mode, long added, long updated, long removed, long refused, long failed, int errors);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Debug, Message = "Config task {Task}: {Mode} mode, source schema {Source}, target schema {Target}")]
    private static partial void LogPrepared(ILogger logger, string task, string mode, string source, string target);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Config task {Task}: reading segment {Segment} failed; no removals this run")]
    private static partial void LogReadFailed(ILogger logger, Exception exception, string task, ConfigSegment segment);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Information, Message = "Config task {Task}: incremental run replaced by a full one: {Reason}")]
    private static partial void LogFallback(ILogger logger, string task, string reason);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Warning, Message = "Config task {Task}: writing {Key} failed ({Outcome}): {Error}")]
    private static partial void LogWriteFailed(ILogger logger, string task, ConfigKey key, ConfigWriteOutcome outcome, string? error);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Warning, Message = "Config task {Task}: deletion guard tripped: {Reason}")]
    private static partial void LogGuard(ILogger logger, string task, string reason);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Warning, Message = "Config task {Task}: {Key} not served by every target node: {Why}")]
    private static partial void LogNotConverged(ILogger logger, string task, ConfigKey key, string why);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Information, Message = "Config task {Task}: created namespace {Namespace} in the target")]
    private static partial void LogNamespaceCreated(ILogger logger, string task, string @namespace);
}
