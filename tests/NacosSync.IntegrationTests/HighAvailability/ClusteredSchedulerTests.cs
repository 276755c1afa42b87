using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NacosSync.Core.Options;
using NacosSync.Hosting.Jobs;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Storage.Database;
using NacosSync.Storage.State;
using Quartz;

namespace NacosSync.IntegrationTests.HighAvailability;

/// <summary>
/// Two Quartz schedulers (two replicas: one scheduler name, two instance ids) on one state database,
/// configured as the daemon configures its own (<see cref="QuartzRegistration.UseClusteredStore"/>) on
/// the tables of migration 005.
/// </summary>
[TestFixture]
internal sealed class ClusteredSchedulerTests
{
    private static readonly HighAvailabilityOptions FastCheckin = new() { CheckinInterval = TimeSpan.FromSeconds(1) };
    private readonly List<ServiceProvider> _providers = [];
    private readonly List<IScheduler> _schedulers = [];
    private SqlDatabase _database = null!;

    [SetUp]
    public async Task SetUp()
    {
        _database = await MariaDbServer.CreateDatabaseAsync("quartz");
        await new StateSchemaMigrator(_database, NullLogger<StateSchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
    }

    [TearDown]
    public async Task TearDown()
    {
        RecordingJob.Release();
        foreach (var scheduler in _schedulers)
        {
            await scheduler.Shutdown(waitForJobsToComplete: false);
        }

        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }
    }

    [Test]
    public async Task Each_firing_of_a_stored_schedule_runs_on_exactly_one_of_two_replicas()
    {
        var first = await StartAsync("replica-a");
        var second = await StartAsync("replica-b");
        Assert.That(first.SchedulerInstanceId, Is.Not.EqualTo(second.SchedulerInstanceId), "two replicas, two schedulers");
        var runs = RecordingJob.NewRun();
        var start = DateTimeOffset.UtcNow.AddSeconds(1);
        await first.ScheduleJob(
            JobBuilder.Create<RecordingJob>().WithIdentity("every-200ms").UsingJobData(RecordingJob.RunKey, runs).DisallowConcurrentExecution().Build(),
            TriggerBuilder.Create().StartAt(start).WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromMilliseconds(200)).WithRepeatCount(14)).Build());

        await WaitUntilAsync(() => RecordingJob.Runs(runs).Count >= 15, TimeSpan.FromSeconds(20));
        await Task.Delay(TimeSpan.FromSeconds(1)); // a duplicate would arrive now
        var fired = RecordingJob.Runs(runs);

        Assert.Multiple(() =>
        {
            Assert.That(fired, Has.Count.EqualTo(15), "15 scheduled firings, each run once across both replicas");
            Assert.That(fired.Select(f => f.ScheduledAt).Distinct().Count(), Is.EqualTo(15), "no scheduled time ran twice");
        });
    }

    [Test]
    public async Task A_run_on_a_replica_that_dies_mid_run_is_recovered_by_the_other()
    {
        var doomed = await StartAsync("replica-a");
        var runs = RecordingJob.NewRun();
        await doomed.ScheduleJob(
            JobBuilder.Create<RecordingJob>().WithIdentity("full").UsingJobData(RecordingJob.RunKey, runs).UsingJobData(RecordingJob.BlockKey, true)
                .RequestRecovery().DisallowConcurrentExecution().Build(),
            TriggerBuilder.Create().StartNow().Build());
        await WaitUntilAsync(() => RecordingJob.Runs(runs).Count == 1, TimeSpan.FromSeconds(10));

        // Dies mid-run: no completion reaches the store and it stops checking in.
        await doomed.Shutdown(waitForJobsToComplete: false);
        var survivor = await StartAsync("replica-b");
        await WaitUntilAsync(() => RecordingJob.Runs(runs).Count == 2, TimeSpan.FromSeconds(30));

        var fired = RecordingJob.Runs(runs);
        Assert.Multiple(() =>
        {
            Assert.That(fired[0].Instance, Is.EqualTo(doomed.SchedulerInstanceId), "the first run was on the replica that died");
            Assert.That(fired[1].Instance, Is.EqualTo(survivor.SchedulerInstanceId), "the survivor ran it again");
            Assert.That(fired[1].Recovering, Is.True, "as a recovery of the dead replica's firing, not as a new firing");
        });
    }

    private async Task<IScheduler> StartAsync(string instanceId)
    {
        var provider = new ServiceCollection()
            .AddLogging()
            .AddQuartz(q =>
            {
                q.ConfigureScheduler(s =>
                {
                    s.InstanceName = QuartzRegistration.SchedulerName;
                    s.InstanceId = instanceId;
                    s.IdleWaitTime = TimeSpan.FromSeconds(1); // Quartz's minimum
                });
                QuartzRegistration.UseClusteredStore(q, _database, FastCheckin);
            })
            .BuildServiceProvider();
        _providers.Add(provider);
        var scheduler = await provider.GetRequiredService<ISchedulerFactory>().GetScheduler();
        _schedulers.Add(scheduler);
        await scheduler.Start();
        return scheduler;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"not reached within {timeout}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Records which scheduler ran each firing; blocks its first run when asked (a run that never ends).</summary>
    private sealed class RecordingJob : IJob
    {
        public const string RunKey = "run";
        public const string BlockKey = "block";
        private static readonly ConcurrentDictionary<string, ConcurrentQueue<Fired>> All = new();
        private static TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static string NewRun()
        {
            var id = Guid.NewGuid().ToString("N");
            All[id] = new ConcurrentQueue<Fired>();
            return id;
        }

        public static List<Fired> Runs(string run) => [.. All[run]];

        public static void Release() => _release.TrySetResult();

        public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
        {
            var run = context.MergedJobDataMap.GetString(RunKey)!;
            All[run].Enqueue(new Fired(context.Scheduler.SchedulerInstanceId, context.ScheduledFireTimeUtc, context.Recovering));
            if (context.MergedJobDataMap.ContainsKey(BlockKey) && !context.Recovering)
            {
                await _release.Task; // ignores the token: a process that died does not stop politely
            }
        }
    }

    private sealed record Fired(string Instance, DateTimeOffset? ScheduledAt, bool Recovering);
}
