using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NacosSync.Core.Options;
using NacosSync.Core.Sync;
using NacosSync.Engine.Clusters;
using NacosSync.Engine.Telemetry;
using NacosSync.Nacos.Transport;
using NacosSync.Storage.State;
using Polly.Registry;

namespace NacosSync.Engine.Naming;

internal static class NamingServiceCollectionExtensions
{
    /// <summary>
    /// The naming sync: the <see cref="NamingSyncRunner"/> as an <see cref="ISyncRunner"/>, the Nacos
    /// clients, the heartbeat keeper (a hosted service) and the UDP change feed. Needs
    /// <see cref="IOptions{NacosSyncOptions}"/>, a <see cref="TimeProvider"/> and, to persist the
    /// first-full-sync mark, a <see cref="CheckpointStore"/>.
    /// </summary>
    public static IServiceCollection AddNamingSync(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddClusterRegistry();
        services.TryAddSingleton(sp => new HeartbeatKeeper(
            sp.GetRequiredService<NacosClientFactory>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<HeartbeatKeeper>>(),
            sp.GetService<SyncMetrics>(), sp.GetService<HeartbeatOptions>()));
        services.AddHostedService(sp => sp.GetRequiredService<HeartbeatKeeper>());
        services.TryAddSingleton(sp => new NamingChangeFeed(
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<NamingChangeFeed>>(), sp.GetService<NamingChangeFeedOptions>()));
        services.TryAddSingleton(sp => new NamingSyncRunner(
            sp.GetRequiredService<IOptions<NacosSyncOptions>>(), sp.GetRequiredService<NacosClientFactory>(), sp.GetRequiredService<HeartbeatKeeper>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<NamingSyncRunner>>(), sp.GetService<CheckpointStore>(),
            sp.GetRequiredService<NamingChangeFeed>()));
        services.AddSingleton<ISyncRunner>(sp => sp.GetRequiredService<NamingSyncRunner>());
        return services;
    }
}
