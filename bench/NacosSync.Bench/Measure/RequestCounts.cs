namespace NacosSync.Bench.Measure;

/// <summary>
/// What a sandbox node counted (<c>GET /sandbox/requests</c>: <c>http METHOD /path</c>, <c>grpc Type</c>,
/// <c>grpc-stream Type</c> → count), summed over a cluster's nodes and compared between two moments.
/// </summary>
internal sealed record RequestCounts(IReadOnlyDictionary<string, long> Counts)
{
    private static readonly string[] NamingWriteTypes = ["InstanceRequest", "BatchInstanceRequest", "PersistentInstanceRequest"];

    public long Total => Counts.Values.Sum();

    public long NamingWrites => Counts.Where(c => IsNamingWrite(c.Key)).Sum(c => c.Value);

    public static RequestCounts Sum(IEnumerable<IReadOnlyDictionary<string, long>> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var sum = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, value) in nodes.SelectMany(n => n))
        {
            sum[key] = sum.GetValueOrDefault(key) + value;
        }

        return new RequestCounts(sum);
    }

    /// <summary>What was counted after <paramref name="earlier"/> (keys with no new requests left out).</summary>
    public RequestCounts Since(RequestCounts earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        var delta = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, value) in Counts)
        {
            var d = value - earlier.Counts.GetValueOrDefault(key);
            if (d != 0)
            {
                delta[key] = d;
            }
        }

        return new RequestCounts(delta);
    }

    /// <summary>
    /// A write of an instance: register, update or deregister over HTTP (any API version, not the heartbeat
    /// <c>/instance/beat</c> nor a GET), or a gRPC InstanceRequest / BatchInstanceRequest / PersistentInstanceRequest.
    /// A batch counts once: the figure is the requests the target handled, which is what coalescing saves.
    /// </summary>
    public static bool IsNamingWrite(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var parts = key.Split(' ');
        return parts switch
        {
            ["grpc", var type] => NamingWriteTypes.Contains(type),
            ["http", var method, var path] => method is "POST" or "PUT" or "DELETE" or "PATCH"
                && path.Contains("/ns/instance", StringComparison.Ordinal)
                && !path.EndsWith("/beat", StringComparison.Ordinal)
                && !path.EndsWith("/list", StringComparison.Ordinal),
            _ => false,
        };
    }

    /// <summary>The keys with the most requests, for the report ("http PUT /nacos/v1/ns/instance/beat 1,234").</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Top(int n) => [.. Counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(n)];
}
