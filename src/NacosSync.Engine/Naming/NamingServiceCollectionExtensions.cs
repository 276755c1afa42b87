using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NacosSync.Core.Options;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.Engine.Clusters;
using NacosSync.Engine.Sync;
using NacosSync.Engine.Telemetry;

namespace NacosSync.Engine.Naming;

internal static class NamingServiceCollectionExtensions
{
    /// <summary>
    /// The naming sync: the <see cref="NamingSyncRunner"/> as an <see cref="ISyncRunner"/>, its full and
    /// incremental runs and their stages, the replica keeper (a hosted service) and the UDP change feed.
    /// Needs <see cref="IOptions{NacosSyncOptions}"/>, a <see cref="TimeProvider"/> and an
    /// <see cref="IRunStateStore"/> (an in-memory one is added when none is registered: state is then lost with the process).
    /// </summary>
    public static IServiceCollection AddNamingSync(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IRunStateStore>(sp => new InMemoryRunStateStore(sp.GetRequiredService<TimeProvider>()));
        services.AddClusterRegistry();
        services.TryAddSingleton(sp => new ReplicaKeeper(
            sp.GetRequiredService<ClusterRegistry>(), sp.GetRequiredService<IRunStateStore>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ReplicaKeeper>>(), sp.GetService<SyncMetrics>(), sp.GetService<ReplicaKeeperOptions>(),
            KeptTasks(sp.GetRequiredService<IOptions<NacosSyncOptions>>().Value),
            ReplicaHoldingPlan.For(sp.GetRequiredService<IOptions<NacosSyncOptions>>().Value, standby: false)));
        services.AddHostedService(sp => sp.GetRequiredService<ReplicaKeeper>());
        services.TryAddSingleton<SyncWakes>();
        services.TryAddSingleton(sp => new NamingChangeFeed(sp.GetRequiredService<IRunStateStore>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<NamingChangeFeed>>(), sp.GetService<NamingChangeFeedOptions>(),
            sp.GetRequiredService<ClusterRegistry>(), sp.GetRequiredService<SyncWakes>()));
        services.TryAddSingleton(sp => NamingRuns.Create(sp.GetRequiredService<IOptions<NacosSyncOptions>>(), sp.GetRequiredService<ClusterRegistry>(),
            sp.GetRequiredService<ReplicaKeeper>(), sp.GetRequiredService<IRunStateStore>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<NamingChangeFeed>()));
        services.AddSingleton<ISyncRunner>(sp => sp.GetRequiredService<NamingSyncRunner>());
        return services;
    }

    /// <summary>The tasks whose ephemeral replicas a starting daemon loads from the store and beats at once.</summary>
    public static IReadOnlyCollection<string> KeptTasks(NacosSyncOptions options) =>
        [.. options.Tasks.Where(t => t.Value.Enabled && t.Value.Naming.Enabled && t.Value.Naming.ReplicaMode == ReplicaMode.Ephemeral).Select(t => t.Key)];
}

/// <summary>Builds the naming runner and its stages (the daemon, the CLI, the tests and the benchmark wire it alike).</summary>
internal static class NamingRuns
{
    public static NamingSyncRunner Create(IOptions<NacosSyncOptions> options, ClusterRegistry clients, ReplicaKeeper keeper, IRunStateStore store,
        TimeProvider timeProvider, ILoggerFactory loggers, NamingChangeFeed? feed)
    {
        var checkpoints = new NamingCheckpoints(store);
        var gate = new RemovalGate(store, timeProvider, loggers.CreateLogger<RemovalGate>());
        var writer = new ReplicaWriter(keeper, loggers.CreateLogger<ReplicaWriter>());
        var full = new NamingFullRun(options, checkpoints, gate, writer, keeper, feed, timeProvider, loggers.CreateLogger<NamingFullRun>());
        var incremental = feed is null ? null : new NamingIncrementalRun(checkpoints, gate, writer, keeper, feed, timeProvider);
        return new NamingSyncRunner(options, clients, full, incremental, feed, loggers.CreateLogger<NamingSyncRunner>());
    }
}
