using System.Runtime.CompilerServices;

namespace NacosSync.Core.Config;

/// <summary>
/// What a full diff covers: the source namespaces it reads, the target namespaces they map to, and the mapping of
/// single keys both ways (<see cref="ConfigMapping"/>: namespaces, groups, the key filter, shadowed groups). With it
/// the diff reads every namespace of both sides in one walk of the unique index each, instead of one per namespace.
/// </summary>
public sealed class ConfigDiffScope
{
    private readonly ConfigMapping _mapping;
    private readonly Dictionary<string, string> _sourceTenantOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _sourceGroupOf = new(StringComparer.Ordinal);

    /// <param name="mapping">The task's mapping.</param>
    /// <param name="sourceTenants">The source <c>tenant_id</c>s this diff reads; those the task does not copy are left out.</param>
    /// <param name="sourcePublicTenant">The source's public <c>tenant_id</c>: it wins when two source tenants map to one target tenant.</param>
    /// <param name="groups">The task's group mapping (source group → target group).</param>
    public ConfigDiffScope(ConfigMapping mapping, IEnumerable<string> sourceTenants, string sourcePublicTenant, IReadOnlyDictionary<string, string> groups)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        ArgumentNullException.ThrowIfNull(sourceTenants);
        ArgumentNullException.ThrowIfNull(groups);
        _mapping = mapping;
        foreach (var tenant in sourceTenants.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (mapping.MapTenant(tenant) is { } target && (!_sourceTenantOf.ContainsKey(target) || tenant == sourcePublicTenant))
            {
                _sourceTenantOf[target] = tenant;
            }
        }

        foreach (var (from, to) in groups.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            _sourceGroupOf.TryAdd(to, from);
        }

        SourceTenants = [.. _sourceTenantOf.Values.Order(StringComparer.Ordinal)];
        TargetTenants = [.. _sourceTenantOf.Keys.Order(StringComparer.Ordinal)];
    }

    /// <summary>The source tenants the diff reads (one per target tenant).</summary>
    public IReadOnlyList<string> SourceTenants { get; }

    /// <summary>The target tenants the diff reads and may write.</summary>
    public IReadOnlyList<string> TargetTenants { get; }

    /// <summary>The target key of a source key; null when it is out of scope.</summary>
    public ConfigKey? TargetOf(ConfigKey source) =>
        _mapping.MapKey(source) is { } target && _sourceTenantOf.TryGetValue(target.Tenant, out var from) && from == source.Tenant ? target : null;

    /// <summary>The source key a target key would come from; null when the target key is out of scope (the diff does not look at it).</summary>
    public ConfigKey? SourceOf(ConfigKey target)
    {
        if (!_sourceTenantOf.TryGetValue(target.Tenant, out var tenant))
        {
            return null;
        }

        var source = new ConfigKey(tenant, _sourceGroupOf.GetValueOrDefault(target.Group, target.Group), target.DataId);
        // A target group that is some source group's mapped name belongs to that group; its own name in the source is
        // then mapped elsewhere (or shadowed), and the target key is in scope as long as the filter takes the source key.
        return _mapping.Filter.Matches(source.Group, source.DataId) ? source : null;
    }

    /// <summary>
    /// Maps a source stream in index order (<see cref="ConfigKeyComparer"/>) to target keys, still in index order: the
    /// mapping keeps the dataId and may reorder groups and tenants, so rows are held one dataId at a time and sorted.
    /// Out-of-scope rows are dropped. Two source rows that map to one target key stop the stream with an error naming both.
    /// </summary>
    public async IAsyncEnumerable<(ConfigKey Source, ConfigDigest Target)> MapAsync(IAsyncEnumerable<ConfigDigest> source,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var bucket = new List<(ConfigKey Source, ConfigDigest Target)>();
        await foreach (var row in source.WithCancellation(cancellationToken))
        {
            if (bucket.Count > 0 && ConfigKeyComparer.CompareCodePoints(bucket[0].Source.DataId, row.Key.DataId) != 0)
            {
                foreach (var mapped in Sorted(bucket))
                {
                    yield return mapped;
                }

                bucket.Clear();
            }

            if (TargetOf(row.Key) is { } target)
            {
                bucket.Add((row.Key, row with { Key = target }));
            }
        }

        foreach (var mapped in Sorted(bucket))
        {
            yield return mapped;
        }
    }

    private static List<(ConfigKey Source, ConfigDigest Target)> Sorted(List<(ConfigKey Source, ConfigDigest Target)> bucket)
    {
        var sorted = bucket.OrderBy(b => b.Target.Key, ConfigKeyComparer.Instance).ToList();
        for (var i = 1; i < sorted.Count; i++)
        {
            if (ConfigKeyComparer.Instance.Compare(sorted[i - 1].Target.Key, sorted[i].Target.Key) == 0)
            {
                throw new InvalidOperationException($"source configs {sorted[i - 1].Source} and {sorted[i].Source} both map to {sorted[i].Target.Key}: check the task's Namespaces and Groups");
            }
        }

        return sorted;
    }
}
