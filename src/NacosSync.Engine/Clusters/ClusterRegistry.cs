using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NacosSync.Core.Options;
using NacosSync.Nacos.Config;
using NacosSync.Nacos.Grpc;
using NacosSync.Nacos.Naming;
using NacosSync.Nacos.Transport;
using NacosSync.Storage.Database;
using Polly.Registry;

namespace NacosSync.Engine.Clusters;

/// <summary>
/// The cluster registry: for each configured cluster (<see cref="NacosSyncOptions.Clusters"/>) one
/// <see cref="NacosTransport"/>, built on first use with its secrets on one pooled
/// <see cref="HttpClient"/>, and on it the naming and config clients that every kind of sync and the
/// canary use, so a cluster has one login, one set of resilience pipelines and one version read.
/// Addresses are parsed by <see cref="ServerAddress"/> (port 8848 when left out), as the validator
/// parses them. The version policy lives here too: the version is read through the transport
/// (trusted for <see cref="NacosServerVersionCache.Ttl"/>, read again after an outage) and a version
/// that cannot be read fails the caller's run with <see cref="NacosVersionUnknownException"/>.
/// </summary>
internal sealed class ClusterRegistry : IDisposable, IAsyncDisposable
{
    /// <summary>The id of naming's public namespace, on every Nacos line (reference §3).</summary>
    public const string PublicNamingNamespace = NacosNamingClient.PublicNamespace;

    private readonly IOptions<NacosSyncOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;
    private readonly HttpClient _httpClient;
    private readonly bool _ownsHttpClient;
    private readonly ConcurrentDictionary<string, Lazy<NacosTransport>> _transports = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, NacosConfigClient> _configClients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SqlDatabase?> _databases = new(StringComparer.Ordinal);
    private readonly ResiliencePipelineRegistry<NacosPipelineKey>? _pipelines;
    private readonly ClusterGrpcConnections _grpc;

    /// <param name="pipelines">Polly's registry for the per-cluster pipelines; null: each transport builds its own.</param>
    public ClusterRegistry(IOptions<NacosSyncOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory, HttpClient? httpClient = null,
        ResiliencePipelineRegistry<NacosPipelineKey>? pipelines = null)
    {
        _pipelines = pipelines;
        _options = options;
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory;
        _ownsHttpClient = httpClient is null;
        _httpClient = httpClient ?? NacosHttp.CreateClient();
        _grpc = new ClusterGrpcConnections(Cluster, Transport, timeProvider, loggerFactory, pipelines);
    }

    public NacosTransport Transport(string clusterKey) =>
        _transports.GetOrAdd(clusterKey, key => new Lazy<NacosTransport>(() => Create(key), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    public NacosNamingClient Naming(string clusterKey) => new(Transport(clusterKey));

    /// <summary>The cluster's config client, on the same transport as its naming client.</summary>
    /// <remarks>On a cluster spoken to over gRPC, query/publish/remove use its <c>config</c>/<c>api</c> connection and proofs one
    /// <c>config</c>/<c>proof</c> connection per node (<see cref="ClusterGrpcConnections.ForConfig"/>).</remarks>
    public NacosConfigClient Config(string clusterKey) =>
        _configClients.GetOrAdd(clusterKey, key => new NacosConfigClient(Transport(key), _grpc.ForConfig(key)));

    /// <summary>
    /// The cluster's started gRPC connection for <paramref name="module"/> (<c>naming</c> or <c>config</c>), one per
    /// <paramref name="purpose"/> (whoever reads its pushes owns it); null when the cluster is spoken to over HTTP
    /// (<see cref="ClusterOptions.Transport"/>, <see cref="ClusterGrpcConnections"/>).
    /// </summary>
    /// <exception cref="NacosVersionUnknownException">The version cannot be read.</exception>
    /// <exception cref="NacosGrpcUnavailableException">The cluster is set to <c>Grpc</c> and gRPC cannot be used; the message says why.</exception>
    public Task<NacosGrpcConnection?> GrpcAsync(string clusterKey, string module, string purpose, CancellationToken cancellationToken) =>
        _grpc.GetAsync(clusterKey, module, purpose, cancellationToken);

    /// <summary>As <see cref="GrpcAsync"/>, held to one node (no failover): what that node serves, for per-node proofs.</summary>
    public Task<NacosGrpcConnection?> GrpcToNodeAsync(string clusterKey, Uri node, string module, string purpose, CancellationToken cancellationToken) =>
        _grpc.GetToNodeAsync(clusterKey, node, module, purpose, cancellationToken);

    /// <summary>The cluster's Nacos database (<see cref="ClusterOptions.Database"/>), or null when none is configured.</summary>
    /// <exception cref="InvalidOperationException">The connection string file cannot be read; the message names the key.</exception>
    public SqlDatabase? Database(string clusterKey) => _databases.GetOrAdd(clusterKey, key =>
        Cluster(key).Database is { } db && Secrets.Read(db.ConnectionString, db.ConnectionStringFile, $"Clusters:{key}:Database:ConnectionString") is { } cs
            ? new SqlDatabase(cs)
            : null);

    /// <summary>The id written into replicas as their origin: <see cref="ClusterOptions.ClusterId"/>, else the key.</summary>
    public string ClusterId(string clusterKey) => Cluster(clusterKey).ClusterId ?? clusterKey;

    /// <summary>The cluster's server version, read through its transport.</summary>
    /// <exception cref="NacosVersionUnknownException">The version cannot be read; the message names the cluster.</exception>
    public Task<NacosServerVersion> ServerVersionAsync(string clusterKey, CancellationToken cancellationToken) =>
        Transport(clusterKey).GetServerVersionAsync(cancellationToken);

    /// <summary>The config tenant of the cluster's public namespace: <c>""</c> on 1.x/2.x, <c>public</c> on 3.x.</summary>
    /// <exception cref="NacosVersionUnknownException">The version cannot be read: nothing is guessed, the run fails.</exception>
    public Task<string> PublicConfigTenantAsync(string clusterKey, CancellationToken cancellationToken) =>
        PublicConfigTenantAsync(Transport(clusterKey), cancellationToken);

    /// <summary>The public-tenant policy for a client built elsewhere (tests' fixed endpoints); see the overload by cluster key.</summary>
    /// <exception cref="NacosVersionUnknownException">The version cannot be read: nothing is guessed, the run fails.</exception>
    public static async Task<string> PublicConfigTenantAsync(NacosTransport transport, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        return (await transport.GetServerVersionAsync(cancellationToken)).PublicConfigTenant;
    }

    /// <summary>The node base addresses of a cluster as its clients call them.</summary>
    /// <exception cref="InvalidOperationException">An address is not <c>host[:port]</c> or <c>http(s)://host[:port]</c> (the validator says so first).</exception>
    public static IReadOnlyList<Uri> ServerUris(string clusterKey, ClusterOptions cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var servers = new List<Uri>(cluster.ServerAddresses.Count);
        foreach (var address in cluster.ServerAddresses)
        {
            servers.Add(ServerAddress.TryParse(address, out var parsed)
                ? parsed.BaseUri
                : throw new InvalidOperationException($"Clusters:{clusterKey}:ServerAddresses: '{address}' is not host:port or http(s)://host:port"));
        }

        return servers;
    }

    public void Dispose()
    {
        _grpc.DisposeAsync().AsTask().GetAwaiter().GetResult();
        DisposeHttp();
    }

    public async ValueTask DisposeAsync()
    {
        await _grpc.DisposeAsync().ConfigureAwait(false);
        DisposeHttp();
    }

    private void DisposeHttp()
    {
        foreach (var transport in _transports.Values.Where(t => t.IsValueCreated))
        {
            transport.Value.Dispose();
        }

        if (_ownsHttpClient)
        {
            _httpClient.Dispose();
        }
    }

    private ClusterOptions Cluster(string clusterKey) =>
        _options.Value.Clusters.TryGetValue(clusterKey, out var cluster) ? cluster
            : throw new InvalidOperationException($"Clusters:{clusterKey}: no such cluster is configured");

    private NacosTransport Create(string clusterKey)
    {
        var cluster = Cluster(clusterKey);
        return new NacosTransport(new NacosTransportOptions
        {
            Name = clusterKey,
            Servers = ServerUris(clusterKey, cluster),
            ContextPath = cluster.ContextPath,
            Username = string.IsNullOrEmpty(cluster.Username) ? null : cluster.Username,
            Password = Secrets.Read(cluster.Password, cluster.PasswordFile, $"Clusters:{clusterKey}:Password"),
            IdentityKey = cluster.IdentityKey,
            IdentityValue = Secrets.Read(cluster.IdentityValue, cluster.IdentityValueFile, $"Clusters:{clusterKey}:IdentityValue"),
            RequestTimeout = cluster.RequestTimeout,
        }, _httpClient, _timeProvider, _loggerFactory.CreateLogger("NacosSync.Nacos." + clusterKey), _pipelines);
    }
}
