using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NacosSync.Core.Options;
using NacosSync.Engine.Clusters;
using NacosSync.Nacos.Config;
using NacosSync.Nacos.Transport;
using NacosSync.Storage.Config;
using NacosSync.Storage.Database;
using Polly.Registry;

namespace NacosSync.Engine.Config;

/// <summary>What one config task reads and writes: the source database, the target (database or API) and the target's API.</summary>
internal sealed class ConfigTaskEndpoints
{
    public required SqlDatabase SourceDatabase { get; init; }

    /// <summary>Null in API mode.</summary>
    public SqlDatabase? TargetDatabase { get; init; }

    public required NacosConfigClient SourceApi { get; init; }

    public required NacosConfigClient TargetApi { get; init; }
}

/// <summary>Builds (once per task) the endpoints of a task from its options.</summary>
internal interface IConfigEndpointsProvider
{
    ConfigTaskEndpoints Get(string taskName, SyncTaskOptions task, NacosSyncOptions options);
}

/// <summary>
/// Endpoints from configuration: database connection strings via <see cref="Secrets"/>, one
/// <see cref="NacosTransport"/> per cluster (built directly on the transport; cached by cluster key).
/// </summary>
internal sealed class ConfigEndpointsProvider(TimeProvider timeProvider, ILoggerFactory loggerFactory,
    ResiliencePipelineRegistry<NacosPipelineKey>? pipelines = null) : IConfigEndpointsProvider, IDisposable
{
    private readonly ConcurrentDictionary<string, NacosConfigClient> _clients = new(StringComparer.Ordinal);
    private readonly HttpClient _http = NacosHttp.CreateClient();

    public ConfigTaskEndpoints Get(string taskName, SyncTaskOptions task, NacosSyncOptions options)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(options);
        var source = options.Clusters[task.Source];
        var target = options.Clusters[task.Target];
        return new ConfigTaskEndpoints
        {
            SourceDatabase = Database(task.Source, source) ?? throw new InvalidOperationException(
                $"Clusters:{task.Source}:Database is required: config sync reads the source's Nacos database"),
            TargetDatabase = task.Config.Mode == ConfigSyncMode.Database
                ? Database(task.Target, target) ?? throw new InvalidOperationException(
                    $"Clusters:{task.Target}:Database is required for Tasks:{taskName}:Config:Mode=Database (or set Mode to Api)")
                : null,
            SourceApi = Client(task.Source, source),
            TargetApi = Client(task.Target, target),
        };
    }

    private static SqlDatabase? Database(string key, ClusterOptions cluster) =>
        cluster.Database is { } db && Secrets.Read(db.ConnectionString, db.ConnectionStringFile, $"Clusters:{key}:Database:ConnectionString") is { } cs
            ? new SqlDatabase(cs)
            : null;

    private NacosConfigClient Client(string key, ClusterOptions cluster) => _clients.GetOrAdd(key, _ => new NacosConfigClient(new NacosTransport(
        new NacosTransportOptions
        {
            Name = key,
            Servers = [.. cluster.ServerAddresses.Select(ToUri)],
            ContextPath = cluster.ContextPath,
            Username = cluster.Username,
            Password = Secrets.Read(cluster.Password, cluster.PasswordFile, $"Clusters:{key}:Password"),
            IdentityKey = cluster.IdentityKey,
            IdentityValue = Secrets.Read(cluster.IdentityValue, cluster.IdentityValueFile, $"Clusters:{key}:IdentityValue"),
            RequestTimeout = cluster.RequestTimeout,
        },
        _http, timeProvider, loggerFactory.CreateLogger("NacosSync.Nacos." + key), pipelines)));

    private static Uri ToUri(string address) =>
        new(address.Contains("://", StringComparison.Ordinal) ? address : "http://" + address);

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Transport.Dispose();
        }

        _http.Dispose();
    }
}

/// <summary>Fixed endpoints (tests, the CLI against a sandbox).</summary>
internal sealed class FixedConfigEndpointsProvider(ConfigTaskEndpoints endpoints) : IConfigEndpointsProvider
{
    public ConfigTaskEndpoints Get(string taskName, SyncTaskOptions task, NacosSyncOptions options) => endpoints;
}
