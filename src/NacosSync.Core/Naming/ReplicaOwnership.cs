namespace NacosSync.Core.Naming;

/// <summary>
/// The metadata every replica carries, naming where it came from. Only replicas whose task and
/// origin cluster are this task's are ever updated or removed; any instance carrying an origin
/// (ours, another task's, or Java nacos-sync's) is never copied again, so A→B and B→A can run together.
/// </summary>
internal sealed record ReplicaOwner(string TaskName, string SourceClusterId)
{
    /// <summary>The source cluster id of the replica.</summary>
    public const string OriginClusterKey = "nacos-sync.origin-cluster";

    /// <summary>The task that wrote the replica.</summary>
    public const string TaskKey = "nacos-sync.task";

    /// <summary>Keys Java nacos-sync writes on its copies; instances carrying them are copies too.</summary>
    private static readonly string[] ForeignOriginKeys = ["sourceClusterId", "syncSource"];

    /// <summary>Whether the instance is a copy made by some sync (ours or another); such instances are not copied.</summary>
    public static bool IsReplica(IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.ContainsKey(OriginClusterKey) || metadata.ContainsKey(TaskKey))
        {
            return true;
        }

        foreach (var key in ForeignOriginKeys)
        {
            if (metadata.ContainsKey(key))
            {
                return true;
            }
        }

        return false;
    }

    public bool Owns(IReadOnlyDictionary<string, string> metadata) =>
        metadata.TryGetValue(TaskKey, out var task) && string.Equals(task, TaskName, StringComparison.Ordinal)
        && metadata.TryGetValue(OriginClusterKey, out var origin) && string.Equals(origin, SourceClusterId, StringComparison.Ordinal);

    /// <summary>The source metadata plus this task's origin keys, then <paramref name="declared"/> (the heartbeat terms of an ephemeral replica).</summary>
    public IReadOnlyDictionary<string, string> Stamp(IReadOnlyDictionary<string, string> source, IReadOnlyList<KeyValuePair<string, string>>? declared = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var metadata = new Dictionary<string, string>(source.Count + 2 + (declared?.Count ?? 0), StringComparer.Ordinal);
        foreach (var (key, value) in MetadataEntries.Of(source))
        {
            metadata[key] = value;
        }

        metadata[OriginClusterKey] = SourceClusterId;
        metadata[TaskKey] = TaskName;
        if (declared is not null)
        {
            for (var i = 0; i < declared.Count; i++)
            {
                var (key, value) = declared[i];
                metadata[key] = value;
            }
        }

        return metadata;
    }
}
