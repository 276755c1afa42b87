using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace NacosSync.Sandbox.Hosting;

/// <summary>
/// Counts every request a node serves, HTTP and gRPC alike, keyed by what it was
/// (<c>http GET /nacos/v1/ns/instance/list</c>, <c>grpc InstanceRequest</c>, <c>grpc-stream ConnectionSetupRequest</c>),
/// so a benchmark can measure from outside what a client costs each side. Not a Nacos API:
/// <c>GET /sandbox/requests</c> answers the counts as JSON and is itself not counted.
/// </summary>
public sealed class RequestCounter
{
    /// <summary>The path of the counts (JSON object: key → count).</summary>
    public const string Path = "/sandbox/requests";

    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    /// <summary>A copy of the counts so far.</summary>
    public IReadOnlyDictionary<string, long> Snapshot() => new SortedDictionary<string, long>(_counts, StringComparer.Ordinal);

    /// <summary>Total requests of every kind so far.</summary>
    public long Total => _counts.Values.Sum();

    internal void CountHttp(string method, string path) => Add($"http {method} {path}");

    internal void CountGrpc(string type) => Add($"grpc {type}");

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
