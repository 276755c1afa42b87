using Microsoft.Extensions.DependencyInjection;
using NacosSync.Core.Options;
using NacosSync.Core.Sync;
using Quartz;

namespace NacosSync.Hosting.Jobs;

internal static class QuartzRegistration
{
    /// <summary>
    /// The Quartz scheduler with, per enabled task and kind, a full job (once at start, then on the
    /// task's cron) and an incremental job (every interval, measured from the end of the last run).
    /// Shutdown waits for running jobs and signals them to stop at a safe point.
    /// </summary>
    public static IServiceCollection AddSyncJobs(this IServiceCollection services, NacosSyncOptions options)
    {
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = "nacos-sync";
                s.ShutdownJobInterruption = ShutdownJobInterruption.WhenWaitingForJobs;
            });
            foreach (var (taskName, task) in options.Tasks.Where(t => t.Value.Enabled))
            {
                foreach (var kind in EnabledKinds(task))
                {
                    AddFullJob(q, taskName, kind, task.Schedule.FullCron);
                    AddIncrementalJob(q, taskName, kind, task.Schedule.IncrementalInterval);
                }
            }
        });
        services.AddQuartzHostedService(o =>
        {
            o.WaitForJobsToComplete = true;
            o.AwaitApplicationStarted = true;
        });
        return services;
    }

    /// <summary>A Quartz cron parse error, or null when the expression is valid; used by the options validator.</summary>
    public static string? CronError(string expression) =>
        CronExpression.TryParse(expression, out _) ? null : "Quartz cannot parse it: six or seven fields, seconds first";

    public static IEnumerable<SyncKind> EnabledKinds(SyncTaskOptions task)
    {
        if (task.Naming.Enabled)
        {
            yield return SyncKind.Naming;
        }

        if (task.Config.Enabled)
        {
            yield return SyncKind.Config;
        }

        if (task.Auth.Enabled)
        {
            yield return SyncKind.Auth;
        }
    }

    private static void AddFullJob(IQuartzBuilder q, string taskName, SyncKind kind, string cron)
    {
        var key = AddJob<FullSyncJob>(q, taskName, kind, SyncMode.Full);
        q.AddTrigger(t => t.ForJob(key).WithIdentity(key.Name + ".start", SyncJobData.Group).StartNow());
        q.AddTrigger(t => t.ForJob(key).WithIdentity(key.Name + ".cron", SyncJobData.Group)
            .WithCronSchedule(cron, c => c.WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed)));
    }

    private static void AddIncrementalJob(IQuartzBuilder q, string taskName, SyncKind kind, TimeSpan interval)
    {
        var key = AddJob<IncrementalSyncJob>(q, taskName, kind, SyncMode.Incremental);
        q.AddTrigger(t => t.ForJob(key).WithIdentity(key.Name + ".interval", SyncJobData.Group)
            .StartAt(DateTimeOffset.UtcNow + interval)
            .WithOverlapPolicy(OverlapPolicy.Skip)
            .WithSimpleSchedule(s => s.WithInterval(interval).RepeatForever().MeasureIntervalFromCompletion(true)
                .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
    }

    private static JobKey AddJob<TJob>(IQuartzBuilder q, string taskName, SyncKind kind, SyncMode mode)
        where TJob : IJob
    {
        var key = SyncJobData.JobKey(taskName, kind, mode);
        q.AddJob<TJob>(job => job
            .WithIdentity(key)
            .DisallowConcurrentExecution(true)
            .UsingJobData(SyncJobData.TaskKey, taskName)
            .UsingJobData(SyncJobData.KindKey, kind.ToString())
            .WithDescription($"{mode.Name()} {kind.Name()} sync of task {taskName}"));
        return key;
    }
}
