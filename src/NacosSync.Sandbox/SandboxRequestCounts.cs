using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace NacosSync.Sandbox;

/// <summary>
/// What one node was asked, counted as it arrives (before faults and auth, so refused calls count too), keyed
/// by what it was: <c>http GET /nacos/v1/ns/instance/list</c> (path without the query, context path included),
/// <c>grpc InstanceRequest</c> (a unary call by <c>metadata.type</c>), <c>grpc-stream ConnectionSetupRequest</c>
/// (a message on the bi-stream). Tests and benchmarks read it to show what a client costs the server; it is not
/// a Nacos API: <c>GET /sandbox/requests</c> answers the counts as a JSON object and is itself not counted.
/// Thread-safe.
/// </summary>
public sealed class SandboxRequestCounts
{
    /// <summary>The path of the counts (JSON object: key → count).</summary>
    public const string Path = "/sandbox/requests";

    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    /// <summary>Total requests of every kind so far.</summary>
    public long Total => _counts.Values.Sum();

    /// <summary>HTTP requests of <paramref name="method"/> on <paramref name="path"/> (e.g. <c>/nacos/v1/cs/configs/listener</c>).</summary>
    public long Http(string method, string path) => _counts.GetValueOrDefault(HttpKey(method, path));

    /// <summary>Unary gRPC requests of <paramref name="type"/> (e.g. <c>ConfigBatchListenRequest</c>).</summary>
    public long Grpc(string type) => _counts.GetValueOrDefault(GrpcKey(type));

    /// <summary>A copy of the counts so far.</summary>
    public IReadOnlyDictionary<string, long> Snapshot() => new SortedDictionary<string, long>(_counts, StringComparer.Ordinal);

    /// <summary>What was asked between two snapshots (only what grew).</summary>
    public static IReadOnlyDictionary<string, long> Since(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        return after.Select(a => (a.Key, Grew: a.Value - before.GetValueOrDefault(a.Key))).Where(a => a.Grew > 0)
            .ToDictionary(a => a.Key, a => a.Grew, StringComparer.Ordinal);
    }

    /// <summary>The key of HTTP requests of <paramref name="method"/> on <paramref name="path"/> in a <see cref="Snapshot"/>.</summary>
    public static string HttpKey(string method, string path) => $"http {method} {path}";

    /// <summary>The key of unary gRPC requests of <paramref name="type"/> in a <see cref="Snapshot"/>.</summary>
    public static string GrpcKey(string type) => $"grpc {type}";

    public void Clear() => _counts.Clear();

    internal void CountHttp(string method, string path) => Add(HttpKey(method, path));

    internal void CountGrpc(string type) => Add(GrpcKey(type));

    internal void CountGrpcStream(string type) => Add($"grpc-stream {type}");

    /// <summary>HTTP middleware, first in the pipeline: answers <see cref="Path"/> and counts everything else.</summary>
    internal async Task HandleAsync(HttpContext context, Func<Task> next)
    {
        if (context.Request.Path.Equals(Path, StringComparison.Ordinal))
        {
            context.Response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(context.Response.Body, Snapshot(), cancellationToken: context.RequestAborted);
            return;
        }

        CountHttp(context.Request.Method, context.Request.Path.Value ?? "");
        await next();
    }

    private void Add(string key) => _counts.AddOrUpdate(key, 1, static (_, n) => n + 1);
}
