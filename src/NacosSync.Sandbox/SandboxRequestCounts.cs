using System.Collections.Concurrent;

namespace NacosSync.Sandbox;

/// <summary>
/// What one node was asked, for tests that prove which way the daemon went (HTTP paths without the query, gRPC
/// request types as <c>metadata.type</c>). Counted before faults and auth, so refused calls count too. Thread-safe.
/// </summary>
public sealed class SandboxRequestCounts
{
    private readonly ConcurrentDictionary<string, long> _http = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _grpc = new(StringComparer.Ordinal);

    /// <summary>HTTP requests of <paramref name="method"/> whose path (context path included, e.g. <c>/nacos/v1/cs/configs/listener</c>) is <paramref name="path"/>.</summary>
    public long Http(string method, string path) => _http.GetValueOrDefault($"{method} {path}");

    /// <summary>Unary gRPC requests of <paramref name="type"/> (e.g. <c>ConfigBatchListenRequest</c>).</summary>
    public long Grpc(string type) => _grpc.GetValueOrDefault(type);

    public void Clear()
    {
        _http.Clear();
        _grpc.Clear();
    }

    internal void CountHttp(string method, string path) => _http.AddOrUpdate($"{method} {path}", 1, static (_, n) => n + 1);

    internal void CountGrpc(string type) => _grpc.AddOrUpdate(type, 1, static (_, n) => n + 1);
}
