using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NacosSync.Core.Options;
using NacosSync.Core.State;
using NacosSync.Engine.Canary;
using NacosSync.Engine.Clusters;
using NacosSync.Engine.Telemetry;
using NacosSync.Hosting.Endpoints;
using NacosSync.Hosting.HighAvailability;
using NacosSync.Hosting.Jobs;
using NacosSync.Hosting.Metrics;
using NacosSync.Hosting.Options;
using NacosSync.Hosting.State;
using NacosSync.Nacos.Transport;
using NacosSync.Storage.Database;
using NacosSync.Storage.State;

namespace NacosSync.Hosting;

/// <summary>The composition root shared by the daemon (<c>nacos-sync run</c>) and the CLI's in-process commands.</summary>
public static class NacosSyncHost
{
    /// <summary>Builds the daemon: options, state database, sync runners, Quartz jobs, metrics and the HTTP endpoint.</summary>
    /// <exception cref="NacosSyncConfigurationException">The configuration cannot be used.</exception>
    public static WebApplication BuildDaemon(IConfiguration configuration, Action<ILoggingBuilder>? configureLogging = null)
    {
        var options = NacosSyncConfiguration.Bind(configuration);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = "nacos-sync" });
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Quartz", LogLevel.Warning);
        configureLogging?.Invoke(builder.Logging);
        builder.WebHost.UseUrls(options.Endpoint.Url);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

        // Hosted services start in registration order: the state tables exist before the replica keeper
        // restores its persisted set from them, and before Quartz runs the first job.
        builder.Services.AddSingleton<Readiness>();
        builder.Services.AddHostedService<StateSchemaService>();
        var identity = ReplicaIdentity.Create(options.HighAvailability);
        builder.Services.AddSingleton(identity);
        builder.Services.AddTaskOwnership(options, identity);
        AddSyncServices(builder.Services, configuration);
        if (options.HighAvailability.Enabled)
        {
            // After the keeper (so it stops after it gave its tasks back) and before Quartz (so it stops after the jobs did).
            builder.Services.AddHostedService(sp => sp.GetRequiredService<TaskOwnership>());
        }

        var clusterDatabase = options.HighAvailability.Enabled ? new SqlDatabase(StateConnectionString(options)) : null;
        builder.Services.AddSyncJobs(options, identity, clusterDatabase);
        builder.Services.AddHostedService<SyncWakeService>(); // a source push starts the task's incremental run at once
        builder.Services.AddSingleton<CanaryService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CanaryService>());

        var app = builder.Build();
        var adminToken = Secrets.Read(options.Endpoint.AdminToken, options.Endpoint.AdminTokenFile, "Endpoint:AdminToken");
        app.MapDaemonEndpoints(options, adminToken);
        var readiness = app.Services.GetRequiredService<Readiness>();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStarted.Register(() => readiness.Started = true);
        lifetime.ApplicationStopping.Register(() => readiness.Stopping = true);
        // The provider listens from now on: measurements made before it exists are lost, so never build it lazily at the first scrape.
        _ = app.Services.GetRequiredService<OpenTelemetry.Metrics.MeterProvider>();
        _ = app.Services.GetRequiredService<CanaryService>(); // its instruments exist from the first scrape
        var runMetrics = app.Services.GetRequiredService<SyncRunMetrics>();
        runMetrics.ReportOwnership(app.Services.GetRequiredService<SyncMetrics>(), app.Services.GetRequiredService<Core.State.ITaskOwnership>(),
            [.. options.Tasks.Where(t => t.Value.Enabled).Select(t => t.Key)]);
        foreach (var (taskName, task) in options.Tasks.Where(t => t.Value.Enabled))
        {
            foreach (var kind in QuartzRegistration.EnabledKinds(task))
            {
                // Runs are due every incremental interval; silence much longer than that is lag in itself.
                var interval = task.Schedule.IncrementalInterval;
                runMetrics.Track(taskName, kind, TimeSpan.FromSeconds(10) + (interval * 5));
            }
        }

        return app;
    }

    /// <summary>
    /// Everything a sync run needs, without the scheduler and the HTTP endpoint: used by the daemon
    /// and by the CLI's one-off commands (resync, plan, verify).
    /// </summary>
    /// <param name="configuration">The file and environment, as checked by <see cref="NacosSyncConfiguration.Bind"/>.</param>
    public static IServiceCollection AddSyncServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddNacosSyncOptions(configuration);
        services.AddSingleton(sp =>
        {
            return new SqlDatabase(StateConnectionString(sp.GetRequiredService<IOptions<NacosSyncOptions>>().Value));
        });
        services.AddSingleton<StateSchemaMigrator>();
        services.TryAddSingleton<IRunStateStore, MySqlRunStateStore>(); // the daemon's fenced one when high availability is on
        services.AddNacosSyncMetrics();
        services.AddNacosPipelines();
        services.AddSingleton<ReconciliationGate>();
        services.AddSingleton<SyncJobExecutor>();
        SyncModules.Add(services);
        return services;
    }

    private static string StateConnectionString(NacosSyncOptions options) =>
        Secrets.Read(options.State.Database.ConnectionString, options.State.Database.ConnectionStringFile, "State:Database:ConnectionString")!;
}
