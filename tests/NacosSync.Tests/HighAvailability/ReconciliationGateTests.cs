using Microsoft.Extensions.Logging.Abstractions;
using NacosSync.Core.Sync;
using NacosSync.Engine.Telemetry;
using NacosSync.Hosting.Jobs;
using NacosSync.Hosting.Metrics;
using NacosSync.Tests.Infrastructure;

namespace NacosSync.Tests.HighAvailability;

/// <summary>
/// The executor with a runner that behaves as the naming runner does: an incremental run with nothing to resume from
/// runs full instead. A task's start-up (or takeover) full run is its one full run; incremental ticks wait for it.
/// </summary>
[TestFixture]
internal sealed class ReconciliationGateTests
{
    [Test]
    public async Task An_incremental_tick_before_the_takeover_full_run_waits_for_it_rather_than_running_a_full_of_its_own()
    {
        using var h = new Harness();
        var early = await h.Incremental();
        var takeover = await h.Full();
        var after = await h.Incremental();

        Assert.Multiple(() =>
        {
            Assert.That(early, Is.Null, "the tick that came before the takeover's run is skipped: that run is due");
            Assert.That(h.Runner.FullRuns, Is.EqualTo(1), "one full run when a replica takes a task, not the tick's fallback and then the takeover's");
            Assert.That(takeover!.Mode, Is.EqualTo(SyncMode.Full));
            Assert.That(after?.Mode, Is.EqualTo(SyncMode.Incremental), "after it, ticks run incrementally");
        });
    }

    [Test]
    public async Task A_task_lost_and_taken_again_waits_for_the_full_run_of_the_new_change_of_hands()
    {
        using var h = new Harness();
        await h.Full();
        var whileOwned = await h.Incremental();
        h.Gate.TaskLost("t");
        var afterRetaking = await h.Incremental();
        await h.Full();
        var afterItsRun = await h.Incremental();

        Assert.Multiple(() =>
        {
            Assert.That(whileOwned?.Mode, Is.EqualTo(SyncMode.Incremental));
            Assert.That(afterRetaking, Is.Null, "a new tenure waits for its own takeover run");
            Assert.That(afterItsRun?.Mode, Is.EqualTo(SyncMode.Incremental));
            Assert.That(h.Runner.FullRuns, Is.EqualTo(2), "one full run per change of hands");
        });
    }

    [Test]
    public async Task A_full_run_that_started_before_the_task_was_lost_does_not_stand_for_the_next_change_of_hands()
    {
        using var h = new Harness();
        h.Runner.HoldFullRuns = new TaskCompletionSource();
        var running = h.Full();
        await h.Runner.FullRunStarted.Task;
        h.Gate.TaskLost("t");
        h.Runner.HoldFullRuns.SetResult();
        await running;

        Assert.That(await h.Incremental(), Is.Null, "the run belongs to the tenure that ended; the one that follows still reconciles first");
    }

    [Test]
    public async Task A_failed_full_run_opens_the_gate_so_the_ticks_retry_it_through_the_runner()
    {
        using var h = new Harness();
        h.Runner.FailFullRuns = true;
        await h.Full();
        h.Runner.FailFullRuns = false;
        var retry = await h.Incremental();

        Assert.That(retry?.Mode, Is.EqualTo(SyncMode.Full),
            "a failed start-up run is not waited for again until the next cron: the tick runs the runner's own start-up fallback");
    }

    [Test]
    public async Task A_dry_run_is_no_reconciliation()
    {
        using var h = new Harness();
        await h.Executor.RunAsync("t", SyncKind.Naming, SyncMode.Full, new SyncRunRequest(DryRun: true), CancellationToken.None);

        Assert.That(await h.Incremental(), Is.Null, "a plan writes nothing, so the start-up run is still due");
    }

    [Test]
    public async Task Kinds_are_reconciled_apart()
    {
        using var h = new Harness();
        await h.Full();

        Assert.That(h.Gate.IsReconciled("t", SyncKind.Config), Is.False, "the naming run says nothing of the config kind's");
    }

    /// <summary>One task's executor, its gate and its runner, under fake time.</summary>
    private sealed class Harness : IDisposable
    {
        private readonly SyncMetrics _meters = new();

        public Harness()
        {
            var clock = new FakeTimeProvider(TestTime.Start);
            Executor = new SyncJobExecutor([Runner], new SyncRunMetrics(_meters, clock), clock, NullLogger<SyncJobExecutor>.Instance, Gate);
        }

        public ReconciliationGate Gate { get; } = new();

        public FirstRunFallbackRunner Runner { get; } = new();

        public SyncJobExecutor Executor { get; }

        public Task<SyncRunResult?> Full() => Executor.RunAsync("t", SyncKind.Naming, SyncMode.Full, SyncRunRequest.Default, CancellationToken.None);

        public Task<SyncRunResult?> Incremental() => Executor.RunAsync("t", SyncKind.Naming, SyncMode.Incremental, SyncRunRequest.Default, CancellationToken.None);

        public void Dispose() => _meters.Dispose();
    }

    /// <summary>An incremental run with no complete full run behind it runs full (and says so), as <c>NamingSyncRunner</c> does.</summary>
    private sealed class FirstRunFallbackRunner : ISyncRunner
    {
        private bool _completed;

        public SyncKind Kind => SyncKind.Naming;

        public int FullRuns { get; private set; }

        public bool FailFullRuns { get; set; }

        public TaskCompletionSource? HoldFullRuns { get; set; }

        public TaskCompletionSource FullRunStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<SyncRunResult> RunAsync(string taskName, SyncMode mode, SyncRunRequest request, CancellationToken cancellationToken)
        {
            var runs = mode == SyncMode.Full || !_completed ? SyncMode.Full : SyncMode.Incremental;
            if (runs == SyncMode.Full && !request.DryRun)
            {
                FullRuns++;
                FullRunStarted.TrySetResult();
                if (HoldFullRuns is { } hold)
                {
                    await hold.Task;
                }

                _completed = !FailFullRuns;
            }

            return new SyncRunResult
            {
                TaskName = taskName,
                Kind = Kind,
                Mode = runs,
                Errors = runs == SyncMode.Full && FailFullRuns ? [new SyncError(SyncStage.ReadSource, "source down")] : [],
            };
        }
    }
}
