using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NacosSync.Core.Options;
using NacosSync.Nacos.Config;
using NacosSync.Nacos.Grpc;
using NacosSync.Nacos.Transport;
using Polly.Registry;

namespace NacosSync.Engine.Clusters;

/// <summary>
/// Which clusters are spoken to over gRPC (<see cref="ClusterOptions.Transport"/>), and their gRPC
/// connections: one per cluster, module and purpose (a consumer that reads the pushes owns its
/// connection, since a push is read once), started on first use. <see cref="ClusterTransport.Auto"/>
/// uses gRPC on 2.x/3.x when a node's gRPC port (HTTP + <see cref="ClusterOptions.GrpcPortOffset"/>)
/// accepts a connection; when none does, the cluster stays on HTTP and the port is tried again after
/// <see cref="ProbeAgain"/>. <see cref="ClusterTransport.Grpc"/> fails the caller instead, naming the cluster.
/// </summary>
internal sealed partial class ClusterGrpcConnections(
    Func<string, ClusterOptions> cluster, Func<string, NacosTransport> transport, TimeProvider timeProvider, ILoggerFactory loggerFactory,
    ResiliencePipelineRegistry<NacosPipelineKey>? pipelines) : IAsyncDisposable
{
    /// <summary>How long a cluster whose gRPC port did not answer (in Auto) stays on HTTP before it is tried again.</summary>
    public static readonly TimeSpan ProbeAgain = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, Lazy<Task<NacosGrpcConnection>>> _connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _httpUntil = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggerFactory.CreateLogger("NacosSync.Clusters.Grpc");

    /// <summary>
    /// The started connection of <paramref name="clusterKey"/> for <paramref name="module"/> (<c>naming</c> or
    /// <c>config</c>) and <paramref name="purpose"/>, to any of its nodes; null when the cluster is spoken to over HTTP.
    /// </summary>
    /// <exception cref="NacosVersionUnknownException">The version cannot be read.</exception>
    /// <exception cref="NacosGrpcUnavailableException"><see cref="ClusterTransport.Grpc"/> and gRPC cannot be used; the message says why.</exception>
    public Task<NacosGrpcConnection?> GetAsync(string clusterKey, string module, string purpose, CancellationToken cancellationToken) =>
        GetAsync(clusterKey, module, purpose, node: null, cancellationToken);

    /// <summary>As <see cref="GetAsync(string, string, string, CancellationToken)"/>, to <paramref name="node"/> only (no failover): per-node proofs.</summary>
    public Task<NacosGrpcConnection?> GetToNodeAsync(string clusterKey, Uri node, string module, string purpose, CancellationToken cancellationToken) =>
        GetAsync(clusterKey, module, purpose, node ?? throw new ArgumentNullException(nameof(node)), cancellationToken);

    /// <summary>The config client's view of <paramref name="clusterKey"/>'s connections: purpose <c>api</c> for the cluster, <c>proof</c> per node.</summary>
    public IConfigGrpcConnections ForConfig(string clusterKey) => new ConfigConnections(this, clusterKey);

    private async Task<NacosGrpcConnection?> GetAsync(string clusterKey, string module, string purpose, Uri? node, CancellationToken cancellationToken)
    {
        var options = cluster(clusterKey);
        if (options.Transport == ClusterTransport.Http)
        {
            return null;
        }

        var version = await transport(clusterKey).GetServerVersionAsync(cancellationToken).ConfigureAwait(false);
        if (version.Major < 2)
        {
            return options.Transport == ClusterTransport.Grpc
                ? throw new NacosGrpcUnavailableException(
                    $"Clusters:{clusterKey}:Transport is Grpc, but the cluster runs Nacos {version}, which has no gRPC; set Auto or Http")
                : null;
        }

        var key = $"{clusterKey}\n{module}\n{purpose}\n{node}";
        if (options.Transport == ClusterTransport.Auto && _httpUntil.TryGetValue(key, out var until) && timeProvider.GetUtcNow() < until)
        {
            return null;
        }

        var lazy = _connections.GetOrAdd(key, _ => new Lazy<Task<NacosGrpcConnection>>(
            () => StartAsync(clusterKey, options, module, node), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            var connection = await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            _httpUntil.TryRemove(key, out _);
            return connection;
        }
        catch (NacosUnreachableException e)
        {
            _connections.TryRemove(new KeyValuePair<string, Lazy<Task<NacosGrpcConnection>>>(key, lazy));
            if (options.Transport == ClusterTransport.Grpc)
            {
                throw new NacosGrpcUnavailableException($"Clusters:{clusterKey}:Transport is Grpc, but no node accepted a gRPC connection: {e.Message}", e);
            }

            _httpUntil[key] = timeProvider.GetUtcNow() + ProbeAgain;
            LogStaysOnHttp(clusterKey, module, ProbeAgain.TotalMinutes, e.Message);
            return null;
        }
    }

    private async Task<NacosGrpcConnection> StartAsync(string clusterKey, ClusterOptions options, string module, Uri? node)
    {
        var http = transport(clusterKey);
        var connection = new NacosGrpcConnection(new NacosGrpcOptions
        {
            Name = clusterKey,
            Servers = node is null ? http.Servers : [node],
            PortOffset = options.GrpcPortOffset,
            Module = module,
        }, http.AccessTokenAsync, timeProvider, loggerFactory.CreateLogger("NacosSync.Nacos.Grpc." + clusterKey), pipelines);
        try
        {
            // Not the caller's token: the connection is shared, so one caller's cancellation must not end it for the others.
            await connection.StartAsync(CancellationToken.None).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var lazy in _connections.Values.Where(l => l.IsValueCreated))
        {
            try
            {
                await (await lazy.Value.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
            }
            catch (NacosUnreachableException)
            {
                // It never connected: nothing to close.
            }
        }

        _connections.Clear();
    }

    private sealed class ConfigConnections(ClusterGrpcConnections connections, string clusterKey) : IConfigGrpcConnections
    {
        public Task<NacosGrpcConnection?> ClusterAsync(CancellationToken cancellationToken) => connections.GetAsync(clusterKey, "config", "api", cancellationToken);

        public Task<NacosGrpcConnection?> NodeAsync(Uri node, CancellationToken cancellationToken) =>
            connections.GetToNodeAsync(clusterKey, node, "config", "proof", cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Nacos cluster {Cluster}: no node accepted a gRPC connection for {Module}; staying on HTTP, trying again in {Minutes} min ({Reason})")]
    private partial void LogStaysOnHttp(string cluster, string module, double minutes, string reason);
}
