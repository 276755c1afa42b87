using Microsoft.Extensions.DependencyInjection;
using NacosSync.Core.Options;
using NacosSync.Core.Sync;
using NacosSync.Hosting.HighAvailability;
using NacosSync.Storage.Database;
using Quartz;

namespace NacosSync.Hosting.Jobs;

internal static class QuartzRegistration
{
    /// <summary>The scheduler name, <c>SCHED_NAME</c> in Quartz's tables: every replica of one deployment shares it.</summary>
    public const string SchedulerName = "nacos-sync";

    /// <summary>
    /// The Quartz scheduler with, per enabled task and kind, a full job (once at start, then on the
    /// task's cron) and an incremental job (every interval, measured from the end of the last run).
    /// Shutdown waits for running jobs and signals them to stop at a safe point. With
    /// <paramref name="clusterDatabase"/> the jobs live in Quartz's clustered ADO store on the state
    /// database (each firing runs on one replica); without it, in memory (one replica).
    /// </summary>
    public static IServiceCollection AddSyncJobs(this IServiceCollection services, NacosSyncOptions options, ReplicaIdentity identity, SqlDatabase? clusterDatabase)
    {
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = SchedulerName;
                s.InstanceId = identity.InstanceId;
                s.ShutdownJobInterruption = ShutdownJobInterruption.WhenWaitingForJobs;
                if (clusterDatabase is not null)
                {
                    // A trigger another replica stored (a forwarded one-off run) is seen within this, not Quartz's 30 s.
                    s.IdleWaitTime = TimeSpan.FromSeconds(1);
                }
            });
            if (clusterDatabase is not null)
            {
                UseClusteredStore(q, clusterDatabase, options.HighAvailability);
            }
            else
            {
                q.UseInMemoryStore();
            }

            foreach (var (taskName, task) in options.Tasks.Where(t => t.Value.Enabled))
            {
                foreach (var kind in EnabledKinds(task))
                {
                    // Clustered: no start-up run per replica; each new owner of a task stores one (TriggerHandover).
                    AddFullJob(q, taskName, kind, task.Schedule.FullCron, startRun: clusterDatabase is null);
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

    /// <summary>
    /// Quartz's clustered ADO store on the state database through MySqlConnector. Its tables come from our
    /// migration 005 (Quartz only validates them). Misfires: a firing more than the store's threshold late
    /// (all replicas down, or a long pause) follows each trigger's own instruction (see the Add*Job methods).
    /// Recovery: a replica that misses its check-in by one more interval is declared dead and the firings it
    /// was running that ask for recovery (full runs) are run again by another replica.
    /// </summary>
    public static void UseClusteredStore(IQuartzBuilder q, SqlDatabase database, HighAvailabilityOptions ha)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(ha);
        q.UsePersistentStore(store =>
        {
            store.UseMySqlConnector(SqlDatabase.ProviderFactory, database.ConnectionString);
            store.UseClustering(c =>
            {
                c.CheckinInterval = ha.CheckinInterval;
                c.CheckinMisfireThreshold = ha.CheckinInterval;
            });
            store.UseSystemTextJsonSerializer();
            store.ConfigureStore(o =>
            {
                o.TablePrefix = "QRTZ_";
                o.SchemaProvisioning = SchemaProvisioning.Validate;
                o.MisfireThreshold = TimeSpan.FromSeconds(30);

                // A full run cut short by a rolling update is handed to another replica, not dropped.
                o.RecoverFiringsCancelledByShutdown = true;
            });
        });
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

    private static void AddFullJob(IQuartzBuilder q, string taskName, SyncKind kind, string cron, bool startRun)
    {
        var key = AddJob<FullSyncJob>(q, taskName, kind, SyncMode.Full, requestRecovery: true);
        if (startRun)
        {
            q.AddTrigger(t => t.ForJob(key).WithIdentity(key.Name + ".start", SyncJobData.Group).StartNow());
        }

        q.AddTrigger(t => t.ForJob(key).WithIdentity(key.Name + ".cron", SyncJobData.Group)
            .WithCronSchedule(cron, c => c.WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed)));
    }

    private static void AddIncrementalJob(IQuartzBuilder q, string taskName, SyncKind kind, TimeSpan interval)
    {
        // Not recovered: the next firing, one interval later, does the same work.
        var key = AddJob<IncrementalSyncJob>(q, taskName, kind, SyncMode.Incremental, requestRecovery: false);
        q.AddTrigger(t => t.ForJob(key).WithIdentity(key.Name + ".interval", SyncJobData.Group)
            .StartAt(DateTimeOffset.UtcNow + interval)
            .WithOverlapPolicy(OverlapPolicy.Skip)
            .WithSimpleSchedule(s => s.WithInterval(interval).RepeatForever().MeasureIntervalFromCompletion(true)
                .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
    }

    private static JobKey AddJob<TJob>(IQuartzBuilder q, string taskName, SyncKind kind, SyncMode mode, bool requestRecovery)
        where TJob : IJob
    {
        var key = SyncJobData.JobKey(taskName, kind, mode);
        q.AddJob<TJob>(job => job
            .WithIdentity(key)
            .DisallowConcurrentExecution(true)
            .RequestRecovery(requestRecovery)
            .UsingJobData(SyncJobData.TaskKey, taskName)
            .UsingJobData(SyncJobData.KindKey, kind.ToString())
            .WithDescription($"{mode.Name()} {kind.Name()} sync of task {taskName}"));
        return key;
    }
}
