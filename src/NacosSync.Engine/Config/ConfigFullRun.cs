using NacosSync.Core.Config;
using NacosSync.Core.Sync;
using NacosSync.Nacos.Transport;

namespace NacosSync.Engine.Config;

/// <summary>The stages a config run is made of, built once per run by <see cref="ConfigSyncRunner"/>.</summary>
internal sealed record ConfigStages(
    ConfigRunStateStore State,
    ConfigNamespaceCreator Namespaces,
    ConfigFullDiff FullDiff,
    ConfigChangeReader Changes,
    ConfigUpsertWriter Writer,
    ConfigRemover Remover,
    ConfigVariantSync Variants,
    ConfigVerifier Verifier,
    TimeProvider Time);

/// <summary>
/// A full run (docs/config.md): every segment of both sides diffed, differences applied, removals guarded, beta/tag/gray
/// rows synced, every change (and every key left pending) proven on every target node, then the checkpoint saved.
/// </summary>
internal sealed class ConfigFullRun(ConfigTaskScope scope, ConfigStages stages)
{
    public async Task RunAsync(ConfigRunTally tally, CancellationToken cancellationToken)
    {
        var state = await stages.State.LoadAsync(scope.TaskName, cancellationToken);
        var resumeFrom = await ResumePositionAsync(cancellationToken);
        var tenants = await SourceTenantsAsync(tally, cancellationToken);
        // Every full run proves every node (verify reports what is stale, the others refresh it); plan does not look.
        var cacheCheck = scope.Request.CheckTargetCaches || !scope.DryRun ? new ConfigCacheChecker(scope.Endpoints.TargetApi, stages.Time) : null;
        var diff = await stages.FullDiff.DiffAsync(scope, new ConfigDiffScope(scope.Mapping, tenants, scope.SourcePublic, scope.Task.Groups), cacheCheck, tally, cancellationToken);
        var removed = await stages.Remover.RemoveAsync(scope, state, diff.Removals, diff.Reads, tally, cancellationToken);
        await stages.Variants.SyncAsync(scope, state, diff.Reads, tally, cancellationToken);
        // Removals to retry need no list of their own here: the diff has just seen every one of them again.
        // Sized up front (50,000 keys on an initial copy): grown by doubling, each had left a chain of large arrays.
        var changed = new List<ExpectedConfig>(diff.Written.Count + removed.Gone.Count);
        changed.AddRange(diff.Written);
        changed.AddRange(removed.Gone);
        var written = ExpectedConfig.KeysOf(changed);
        var (prove, _) = ConfigPlan.Resume(state.Pending, written, written);

        // Stale nodes beyond what was written or is pending anyway (a pending key keeps its change time for the lag).
        var repairs = cacheCheck is null ? []
            : await CheckCachesAsync(cacheCheck, Checked(changed, prove), tally, cancellationToken);
        changed.AddRange(repairs);
        var verified = await stages.Verifier.VerifyAsync(scope, changed, diff.Written.Count > 0 || removed.NeedsRefresh || repairs.Count > 0, prove, lastPendingRefresh: null, tally, cancellationToken);
        if (!scope.DryRun)
        {
            var pending = ConfigPlan.CarryOver(state.Pending, state.Pending.Select(p => p.Key).ToHashSet(), verified.StillPending.Concat(removed.Retry));
            await stages.State.SaveAsync(scope.TaskName, state, resumeFrom with { PendingRefreshedAt = verified.PendingRefreshedAt }, fullSyncCompleted: diff.Complete, pending, cancellationToken);
        }
    }

    /// <summary>What the cache check looks at: the keys written and those pending from before, in one list sized once.</summary>
    private static List<ExpectedConfig> Checked(List<ExpectedConfig> changed, IReadOnlyList<PendingConfig> prove)
    {
        var all = new List<ExpectedConfig>(changed.Count + prove.Count);
        all.AddRange(changed);
        foreach (var p in prove)
        {
            all.Add(new ExpectedConfig(p.Key, p.Md5));
        }

        return all;
    }

    /// <summary>Where the next incremental run starts: the newest history row before the diff began (in the history's own clock).</summary>
    private async Task<ConfigPosition> ResumePositionAsync(CancellationToken cancellationToken)
    {
        var (nid, modifiedAt) = await scope.History.LatestAsync(cancellationToken);
        var (databaseNow, _) = await scope.History.ClockAsync(cancellationToken);
        return new ConfigPosition(nid, modifiedAt ?? databaseNow, stages.Time.GetUtcNow());
    }

    /// <summary>The public namespace and the mapped ones are always diffed, so a source that empties is seen as such (and guarded).</summary>
    private async Task<IEnumerable<string>> SourceTenantsAsync(ConfigRunTally tally, CancellationToken cancellationToken)
    {
        tally.Stage = SyncStage.ReadSource;
        var tenants = new HashSet<string>(await scope.SourceRows.ReadTenantsAsync(cancellationToken), StringComparer.Ordinal) { scope.SourcePublic };
        tenants.UnionWith(scope.Task.Namespaces.Keys.Select(k => k == "public" ? scope.SourcePublic : k));
        tenants.UnionWith(await stages.Namespaces.CopyAsync(scope, null, tally, cancellationToken));
        return tenants.Where(scope.InRequestedNamespace);
    }

    /// <summary>
    /// Every node that serves a source config with another md5 (or not at all): a dry run (verify) reports each as a
    /// verify error naming key and node; any other full run returns them to refresh and prove with what it wrote, so a
    /// stale node is repaired even when both databases agree. A node that could not be asked is an error either way.
    /// </summary>
    private async Task<IReadOnlyList<ExpectedConfig>> CheckCachesAsync(ConfigCacheChecker cacheCheck, IReadOnlyList<ExpectedConfig> written, ConfigRunTally tally,
        CancellationToken cancellationToken)
    {
        try
        {
            await cacheCheck.FlushAsync(cancellationToken);
        }
        catch (NacosException ex)
        {
            tally.Error(SyncStage.Verify, $"checking the target nodes' caches failed: {ex.Message}");
            return [];
        }

        foreach (var (_, why) in cacheCheck.Unchecked)
        {
            tally.Error(SyncStage.Verify, $"{why}: the target node's cache was not checked");
        }

        if (scope.DryRun)
        {
            foreach (var stale in cacheCheck.Stale)
            {
                tally.Error(SyncStage.Verify, $"node {stale.Node.Authority} does not serve the source's md5 {stale.Md5}", stale.Key.ToString());
            }

            return [];
        }

        return cacheCheck.Repairs(written, tally.ErrorKeys);
    }
}
