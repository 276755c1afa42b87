using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NacosSync.Core.Sync;
using NacosSync.Engine.Config;
using Quartz;

namespace NacosSync.Hosting.Jobs;

/// <summary>
/// Turns a source push (<see cref="ConfigChangeWakes"/>, coalesced per task) into a one-off firing of that task's incremental
/// config job. The job allows no concurrent execution, so a firing during a run waits for it and runs right after: a push during
/// a run is answered by the next run, never dropped. The interval schedule goes on beside it.
/// </summary>
internal sealed partial class ConfigWakeService(ConfigChangeWakes wakes, ISchedulerFactory schedulers, ILogger<ConfigWakeService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var scheduler = await schedulers.GetScheduler(stoppingToken);
        try
        {
            await foreach (var task in wakes.Wakes.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await scheduler.TriggerJob(SyncJobData.JobKey(task, SyncKind.Config, SyncMode.Incremental), stoppingToken);
                }
                catch (SchedulerException ex)
                {
                    // No such job (config disabled for the task) or the store is away: the schedule runs it anyway.
                    wakes.Begin(task);
                    LogWakeFailed(logger, task, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(EventId = 6010, Level = LogLevel.Debug, Message = "Config task {Task}: a source push could not start its incremental job now ({Error}); the schedule will")]
    private static partial void LogWakeFailed(ILogger logger, string task, string error);
}
