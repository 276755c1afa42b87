using Microsoft.Extensions.Hosting;
using NacosSync.Storage.State;

namespace NacosSync.Hosting.State;

/// <summary>Creates or upgrades the state tables before any job runs (registered before Quartz); readiness waits for it.</summary>
internal sealed class StateSchemaService(StateSchemaMigrator migrator, Readiness readiness) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await migrator.MigrateAsync(cancellationToken);
        readiness.StateReady = true;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>What /readyz reports.</summary>
internal sealed class Readiness
{
    public volatile bool StateReady;

    public volatile bool Started;

    public volatile bool Stopping;

    public string? NotReadyReason => Stopping ? "stopping" : !StateReady ? "state database not migrated yet" : !Started ? "starting" : null;
}
