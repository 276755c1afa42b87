namespace NacosSync.Core.Naming;

/// <summary>One instance as read from a cluster, or as a replica should be.</summary>
internal sealed record NamingInstance(InstanceKey Key, double Weight, bool Enabled, bool Healthy, bool Ephemeral, IReadOnlyDictionary<string, string> Metadata)
{
    public static IReadOnlyDictionary<string, string> NoMetadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Which attributes differ from <paramref name="other"/> (cluster included: it moves the instance); empty when none.</summary>
    public string Differences(NamingInstance other, bool compareHealth)
    {
        var parts = new List<string>(4);
        if (!string.Equals(Key.Cluster, other.Key.Cluster, StringComparison.Ordinal))
        {
            parts.Add("cluster");
        }

        if (Math.Abs(Weight - other.Weight) > 1e-6)
        {
            parts.Add("weight");
        }

        if (Enabled != other.Enabled)
        {
            parts.Add("enabled");
        }

        if (compareHealth && Healthy != other.Healthy)
        {
            parts.Add("healthy");
        }

        if (Ephemeral != other.Ephemeral)
        {
            parts.Add("ephemeral");
        }

        if (!MetadataEquals(Metadata, other.Metadata))
        {
            parts.Add("metadata");
        }

        return string.Join(",", parts);
    }

    public static bool MetadataEquals(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var (key, value) in MetadataEntries.Of(a))
        {
            if (!b.TryGetValue(key, out var other) || !string.Equals(value, other, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>The instances of one service as read.</summary>
internal sealed record ServiceSnapshot(ServiceKey Key, IReadOnlyList<NamingInstance> Instances);

/// <summary>
/// One namespace as read from one cluster. <see cref="Complete"/> is false when any part of the
/// read failed, timed out or was cut short; such a read is never a reason to delete.
/// </summary>
internal sealed record NamespaceSnapshot(string Namespace, bool Complete, IReadOnlyList<ServiceSnapshot> Services, string? Failure = null)
{
    public int InstanceCount => Services.Sum(s => s.Instances.Count);

    public static NamespaceSnapshot Failed(string ns, string failure) => new(ns, false, [], failure);
}
