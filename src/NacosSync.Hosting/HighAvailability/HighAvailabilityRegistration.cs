using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NacosSync.Core.Options;
using NacosSync.Core.State;
using NacosSync.Engine.Clusters;
using NacosSync.Engine.Naming;
using NacosSync.Engine.Telemetry;
using NacosSync.Hosting.Jobs;
using NacosSync.Hosting.Metrics;
using NacosSync.Storage.Config;
using NacosSync.Storage.Database;
using NacosSync.Storage.State;
using Quartz;

namespace NacosSync.Hosting.HighAvailability;

internal static class HighAvailabilityRegistration
{
    /// <summary>
    /// Ownership of tasks. High availability on: leases on the state database (<see cref="TaskOwnership"/>, a
    /// hosted service to register before Quartz's, so that it gives its tasks back only after the running jobs
    /// stopped), the run-state store and the config ownership ledger fenced by them, and a keeper that restores a task's
    /// replicas when this replica takes it over rather than at start; tasks holding replicas on a connection are mirrored
    /// by every replica that does not own them (a standby's batches on its own connection). Off: <see cref="SoleOwnership"/>, nothing fenced.
    /// Call before <see cref="NacosSyncHost.AddSyncServices"/> (these registrations win over its defaults).
    /// </summary>
    public static IServiceCollection AddTaskOwnership(this IServiceCollection services, NacosSyncOptions options, ReplicaIdentity identity)
    {
        if (!options.HighAvailability.Enabled)
        {
            services.AddSingleton<ITaskOwnership>(new SoleOwnership(identity.Name));
            return services;
        }

        var tasks = options.Tasks.Where(t => t.Value.Enabled).Select(t => t.Key).ToList();
        var kept = NamingServiceCollectionExtensions.KeptTasks(options);
        services.AddSingleton<ITaskLeaseStore>(sp => new MySqlTaskLeaseStore(sp.GetRequiredService<SqlDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new TaskOwnership(sp.GetRequiredService<ITaskLeaseStore>(), identity, options.HighAvailability, tasks,
            [
                new KeeperHandover(sp.GetRequiredService<ReplicaKeeper>(), kept),
                new MetricsHandover(sp.GetRequiredService<SyncRunMetrics>()),
                new TriggerHandover(sp.GetRequiredService<ISchedulerFactory>(), identity, options, sp.GetRequiredService<ReconciliationGate>()),
            ],
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<TaskOwnership>>()));
        services.AddSingleton<ITaskOwnership>(sp => sp.GetRequiredService<TaskOwnership>());
        // Deferred: the ownership's handovers need the keeper, whose store is this one.
        services.AddSingleton<IRunStateStore>(sp => new FencedRunStateStore(
            new MySqlRunStateStore(sp.GetRequiredService<SqlDatabase>(), sp.GetRequiredService<TimeProvider>()),
            new DeferredOwnership(new Lazy<ITaskOwnership>(sp.GetRequiredService<TaskOwnership>))));

        // The config ownership ledger is run state too: a replaced owner must not forget what the new owner recorded.
        services.AddSingleton(sp => new ConfigOwnershipLedger(sp.GetRequiredService<SqlDatabase>(),
            new DeferredOwnership(new Lazy<ITaskOwnership>(sp.GetRequiredService<TaskOwnership>))));

        // The keeper restores nothing at start: each task's replicas are loaded by the replica that takes the task.
        services.AddSingleton(sp => new ReplicaKeeper(
            sp.GetRequiredService<ClusterRegistry>(), sp.GetRequiredService<IRunStateStore>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ReplicaKeeper>>(), sp.GetService<SyncMetrics>(), sp.GetService<ReplicaKeeperOptions>(), restoreTasks: [],
            ReplicaHoldingPlan.For(options, standby: true)));
        return services;
    }
}

/// <summary>The ownership, resolved at first use: it breaks the cycle ownership → keeper → fenced store → ownership.</summary>
internal sealed class DeferredOwnership(Lazy<ITaskOwnership> ownership) : ITaskOwnership
{
    public string Replica => ownership.Value.Replica;

    public bool IsOwner(string task) => ownership.Value.IsOwner(task);

    public Task EnsureOwnerAsync(string task, CancellationToken cancellationToken) => ownership.Value.EnsureOwnerAsync(task, cancellationToken);
}

/// <summary>A new owner's lag starts from the takeover; nothing before it is this replica's to vouch for.</summary>
internal sealed class MetricsHandover(SyncRunMetrics metrics) : ITaskHandover
{
    public Task AdoptAsync(string task, CancellationToken cancellationToken)
    {
        metrics.Restart(task);
        return Task.CompletedTask;
    }

    public void Abandon(string task)
    {
    }
}
