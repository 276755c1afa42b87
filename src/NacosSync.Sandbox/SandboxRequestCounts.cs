using System.Collections.Concurrent;

namespace NacosSync.Sandbox;

/// <summary>
/// What one node was asked, counted as it arrives (before faults and auth): HTTP requests by path
/// (<c>/nacos/v1/ns/instance/list</c>), gRPC unary requests by type (<c>grpc:SubscribeServiceRequest</c>).
/// Tests and benchmarks read it to show what a client costs the server. Thread-safe.
/// </summary>
public sealed class SandboxRequestCounts
{
    public const string GrpcPrefix = "grpc:";

    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    /// <summary>Requests so far for one path or <c>grpc:</c> type.</summary>
    public long this[string what] => _counts.TryGetValue(what, out var n) ? n : 0;

    /// <summary>Every request so far.</summary>
    public long Total => _counts.Values.Sum();

    /// <summary>A copy of the counts so far.</summary>
    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(_counts, StringComparer.Ordinal);

    /// <summary>What was asked between two snapshots (only what grew).</summary>
    public static IReadOnlyDictionary<string, long> Since(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        return after.Select(a => (a.Key, Grew: a.Value - before.GetValueOrDefault(a.Key))).Where(a => a.Grew > 0).ToDictionary(a => a.Key, a => a.Grew, StringComparer.Ordinal);
    }

    internal void Count(string what) => _counts.AddOrUpdate(what, 1, static (_, n) => n + 1);
}
