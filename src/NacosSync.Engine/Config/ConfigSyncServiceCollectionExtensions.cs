using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NacosSync.Core.Sync;
using NacosSync.Engine.Clusters;
using NacosSync.Engine.Sync;
using NacosSync.Storage.Config;
using NacosSync.Storage.Database;

namespace NacosSync.Engine.Config;

/// <summary>Registers config sync.</summary>
internal static class ConfigSyncServiceCollectionExtensions
{
    /// <summary>
    /// Adds the config <see cref="ISyncRunner"/> and the cluster registry its clients come from. Expects the run-state store (<see cref="Core.State.IRunStateStore"/>),
    /// the state <see cref="SqlDatabase"/>, <see cref="TimeProvider"/>, the options monitor and logging in DI.
    /// </summary>
    public static IServiceCollection AddConfigSync(this IServiceCollection services)
    {
        services.AddClusterRegistry();
        services.TryAddSingleton<IConfigEndpointsProvider, ConfigEndpointsProvider>();
        services.TryAddSingleton(sp => new ConfigOwnershipLedger(sp.GetRequiredService<SqlDatabase>()));
        services.TryAddSingleton<SyncWakes>();
        services.TryAddSingleton<ConfigSourceWatches>();
        services.TryAddSingleton<ConfigSyncRunner>();
        services.AddSingleton<ISyncRunner>(sp => sp.GetRequiredService<ConfigSyncRunner>());
        return services;
    }
}
