using NacosSync.Core.Config;
using NacosSync.Core.Sync;
using NacosSync.Storage.Config;

namespace NacosSync.Engine.Config;

/// <summary>
/// Beta, tag and gray rows (database mode, full runs): copied kind to kind when both schemas have the table; a kind
/// the target lacks (beta/tag into a 2.5.1+/3.0 target, gray into an older one) is reported, not converted. Removed
/// only where the formal config is owned (or the task mirrors) and the key is in the task's scope (group and dataId
/// filters, judged on the source group), under the same <see cref="DeletionPolicy"/> as formal configs, judged on
/// the formal read of each namespace (an ended beta or gray release leaves its table empty). Node caches of these
/// rows are not refreshed or proven (docs/config.md).
/// </summary>
internal sealed class ConfigVariantSync(ConfigOwnershipLedger ledger)
{
    public async Task SyncAsync(ConfigTaskScope scope, ConfigRunState loaded, IReadOnlyDictionary<string, TenantRead> reads, ConfigRunTally tally, CancellationToken cancellationToken)
    {
        if (scope.SourceVariants is not { } sourceStore || scope.TargetVariants is not { } targetStore)
        {
            return;
        }

        foreach (var kind in sourceStore.Kinds)
        {
            var name = kind.ToString().ToLowerInvariant();
            tally.Stage = SyncStage.ReadSource;
            var source = new Dictionary<(ConfigKey, string), ConfigVariant>();
            foreach (var v in await sourceStore.ReadAllAsync(kind, cancellationToken))
            {
                if (scope.InRequestedNamespace(v.Key.Tenant) && scope.Mapping.MapKey(v.Key) is { } key)
                {
                    source[(key, v.Name)] = v with { Key = key };
                }
            }

            if (!targetStore.Kinds.Contains(kind))
            {
                if (source.Count > 0)
                {
                    tally.Error(SyncStage.Write, $"{source.Count} {name} row(s) not copied: the target schema has no table for them (beta/tag and gray are not converted)");
                }

                continue;
            }

            tally.Stage = SyncStage.ReadTarget;
            var target = (await targetStore.ReadAllAsync(kind, cancellationToken)).ToDictionary(v => v.Identity);
            await UpsertAsync(scope, targetStore, source, target, name, tally, cancellationToken);
            await RemoveAsync(scope, loaded, targetStore, source, target, reads, name, tally, cancellationToken);
        }
    }

    private static async Task UpsertAsync(ConfigTaskScope scope, ConfigVariantStore store, Dictionary<(ConfigKey, string), ConfigVariant> source,
        Dictionary<(ConfigKey, string), ConfigVariant> target, string name, ConfigRunTally tally, CancellationToken cancellationToken)
    {
        tally.Stage = SyncStage.Write;
        foreach (var (identity, v) in source)
        {
            var current = target.GetValueOrDefault(identity);
            if (current is not null && current.SameAs(v))
            {
                continue;
            }

            tally.Found(new SyncDifference(current is null ? "add" : "update", $"{v.Key} {name} '{v.Name}'"));
            if (scope.DryRun)
            {
                tally.Applied(v.Key.Tenant, current is null ? ConfigChangeKind.Add : ConfigChangeKind.Update);
                continue;
            }

            var result = await store.UpsertAsync(v, cancellationToken);
            if (result.Outcome is ConfigWriteOutcome.NotStorable or ConfigWriteOutcome.Failed)
            {
                tally.FailedOn(v.Key, SyncStage.Write, $"{v.Key} {name} '{v.Name}': {result.Outcome}: {result.Error}");
            }
            else
            {
                tally.Applied(v.Key.Tenant, current is null ? ConfigChangeKind.Add : ConfigChangeKind.Update);
            }
        }
    }

    private async Task RemoveAsync(ConfigTaskScope scope, ConfigRunState loaded, ConfigVariantStore store, Dictionary<(ConfigKey, string), ConfigVariant> source,
        Dictionary<(ConfigKey, string), ConfigVariant> target, IReadOnlyDictionary<string, TenantRead> reads, string name, ConfigRunTally tally, CancellationToken cancellationToken)
    {
        var candidates = target.Values.Where(t => !source.ContainsKey(t.Identity) && reads.ContainsKey(t.Key.Tenant)
            && ConfigPlan.InScope(t.Key, scope.Task.Groups, scope.Mapping.Filter)).ToList();
        if (!scope.Mirror && candidates.Count > 0)
        {
            var owned = await ledger.OwnedAsync(scope.Ledger, [.. candidates.Select(c => c.Key).Distinct()], cancellationToken);
            candidates = [.. candidates.Where(c => owned.Contains(c.Key))];
        }

        if (candidates.Count == 0)
        {
            return;
        }

        var namespaces = candidates.GroupBy(c => c.Key.Tenant, StringComparer.Ordinal)
            .Select(g => new NamespaceDeletions(g.Key, g.Count(), reads[g.Key].Complete, reads[g.Key].Complete && reads[g.Key].SourceCount == 0))
            .ToList();
        var verdict = DeletionPolicy.Judge(namespaces, new DeletionContext(target.Count, loaded.FirstFullSyncDone, scope.Request.AllowDeletions, 0), scope.Task.Guards);
        foreach (var n in namespaces.Where(n => !verdict.Allows(n.Namespace)))
        {
            tally.RefusedIn(n.Namespace, n.Planned);
        }

        if (verdict.PolicyTripped && verdict.Reason is { } reason)
        {
            tally.Tripped($"{name} rows: {reason}");
        }

        tally.Stage = SyncStage.Write;
        foreach (var v in candidates.Where(c => verdict.Allows(c.Key.Tenant)))
        {
            tally.Found(new SyncDifference("remove", $"{v.Key} {name} '{v.Name}'"));
            if (!scope.DryRun && (await store.DeleteAsync(v, cancellationToken)).Outcome is ConfigWriteOutcome.Failed)
            {
                tally.FailedOn(v.Key, SyncStage.Write, $"{v.Key} {name} '{v.Name}': delete failed");
                continue;
            }

            tally.Applied(v.Key.Tenant, ConfigChangeKind.Remove);
        }
    }
}
