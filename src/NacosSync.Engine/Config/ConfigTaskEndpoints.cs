using NacosSync.Core.Options;
using NacosSync.Engine.Clusters;
using NacosSync.Nacos.Config;
using NacosSync.Nacos.Grpc;
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

    /// <summary>The source cluster's gRPC connection for listening (<c>config</c>/<c>listen</c>); null, or answering null: not on gRPC.</summary>
    public Func<CancellationToken, Task<NacosGrpcConnection?>>? SourceListen { get; init; }
}

/// <summary>Builds (once per task) the endpoints of a task from its options.</summary>
internal interface IConfigEndpointsProvider
{
    ConfigTaskEndpoints Get(string taskName, SyncTaskOptions task, NacosSyncOptions options);
}

/// <summary>
/// Endpoints from configuration, all from the cluster registry (<see cref="ClusterRegistry"/>):
/// the clusters' databases and their config clients, on the same transports naming and the canary use.
/// </summary>
internal sealed class ConfigEndpointsProvider(ClusterRegistry clusters) : IConfigEndpointsProvider
{
    public ConfigTaskEndpoints Get(string taskName, SyncTaskOptions task, NacosSyncOptions options)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(options);
        return new ConfigTaskEndpoints
        {
            SourceDatabase = clusters.Database(task.Source) ?? throw new InvalidOperationException(
                $"Clusters:{task.Source}:Database is required: config sync reads the source's Nacos database"),
            TargetDatabase = task.Config.Mode == ConfigSyncMode.Database
                ? clusters.Database(task.Target) ?? throw new InvalidOperationException(
                    $"Clusters:{task.Target}:Database is required for Tasks:{taskName}:Config:Mode=Database (or set Mode to Api)")
                : null,
            SourceApi = clusters.Config(task.Source),
            TargetApi = clusters.Config(task.Target),
            SourceListen = ct => clusters.GrpcAsync(task.Source, "config", "listen", ct),
        };
    }
}

/// <summary>Fixed endpoints (tests, the CLI against a sandbox).</summary>
internal sealed class FixedConfigEndpointsProvider(ConfigTaskEndpoints endpoints) : IConfigEndpointsProvider
{
    public ConfigTaskEndpoints Get(string taskName, SyncTaskOptions task, NacosSyncOptions options) => endpoints;
}
