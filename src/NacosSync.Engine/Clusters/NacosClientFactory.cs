using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NacosSync.Core.Options;
using NacosSync.Engine.Clusters;
using NacosSync.Nacos.Naming;
using NacosSync.Nacos.Transport;
using Polly.Registry;

namespace NacosSync.Engine.Clusters;

/// <summary>
/// One <see cref="NacosTransport"/> per configured cluster, built on first use from
/// <see cref="NacosSyncOptions.Clusters"/> and its secrets, all sharing one pooled <see cref="HttpClient"/>.
/// </summary>
internal sealed class NacosClientFactory : IDisposable
{
    private readonly IOptions<NacosSyncOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;
    private readonly HttpClient _httpClient;
    private readonly bool _ownsHttpClient;
    private readonly ConcurrentDictionary<string, Lazy<NacosTransport>> _transports = new(StringComparer.Ordinal);
    private readonly ResiliencePipelineRegistry<NacosPipelineKey>? _pipelines;

    /// <param name="pipelines">Polly's registry for the per-cluster pipelines; null: each transport builds its own.</param>
    public NacosClientFactory(IOptions<NacosSyncOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory, HttpClient? httpClient = null,
        ResiliencePipelineRegistry<NacosPipelineKey>? pipelines = null)
    {
        _pipelines = pipelines;
        _options = options;
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory;
        _ownsHttpClient = httpClient is null;
        _httpClient = httpClient ?? NacosHttp.CreateClient();
    }

    public NacosTransport Transport(string clusterKey) =>
        _transports.GetOrAdd(clusterKey, key => new Lazy<NacosTransport>(() => Create(key), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    public NacosNamingClient Naming(string clusterKey) => new(Transport(clusterKey));

    /// <summary>The id written into replicas as their origin: <see cref="ClusterOptions.ClusterId"/>, else the key.</summary>
    public string ClusterId(string clusterKey) => Cluster(clusterKey).ClusterId ?? clusterKey;

    public void Dispose()
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
        var servers = new List<Uri>(cluster.ServerAddresses.Count);
        foreach (var address in cluster.ServerAddresses)
        {
            servers.Add(ServerAddress.TryParse(address, out var parsed)
                ? parsed.BaseUri
                : throw new InvalidOperationException($"Clusters:{clusterKey}:ServerAddresses: '{address}' is not host:port or http(s)://host:port"));
        }

        return new NacosTransport(new NacosTransportOptions
        {
            Name = clusterKey,
            Servers = servers,
            ContextPath = cluster.ContextPath,
            Username = string.IsNullOrEmpty(cluster.Username) ? null : cluster.Username,
            Password = Secrets.Read(cluster.Password, cluster.PasswordFile, $"Clusters:{clusterKey}:Password"),
            IdentityKey = cluster.IdentityKey,
            IdentityValue = Secrets.Read(cluster.IdentityValue, cluster.IdentityValueFile, $"Clusters:{clusterKey}:IdentityValue"),
            RequestTimeout = cluster.RequestTimeout,
        }, _httpClient, _timeProvider, _loggerFactory.CreateLogger("NacosSync.Nacos." + clusterKey), _pipelines);
    }
}
