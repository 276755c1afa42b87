using Microsoft.Extensions.Logging.Abstractions;
using NacosSync.Core.Sync;
using NacosSync.Engine.Telemetry;
using NacosSync.Hosting.Jobs;
using NacosSync.Hosting.Metrics;
using NacosSync.Tests.Infrastructure;

namespace NacosSync.Tests.HighAvailability;

/// <summary>The executor's full-run turn: one full run per process at a time, without holding up any kind's incremental runs.</summary>
[TestFixture]
internal sealed class FullRunTurnTests
{
    [Test]
    public async Task Full_runs_of_two_kinds_go_one_after_the_other()
    {
        using var h = new Harness();
        h.Naming.Hold = new TaskCompletionSource();
        var naming = h.Executor.RunAsync("t", SyncKind.Naming, SyncMode.Full, SyncRunRequest.Default, CancellationToken.None);
        var config = h.Executor.RunAsync("t", SyncKind.Config, SyncMode.Full, SyncRunRequest.Default, CancellationToken.None);

        Assert.That(h.Config.FullRuns, Is.Zero, "the config full run waits while the naming one runs");
        h.Naming.Hold.SetResult();
        await naming;
        var result = await config;

        Assert.Multiple(() =>
        {
            Assert.That(result?.Mode, Is.EqualTo(SyncMode.Full));
            Assert.That(h.Config.FullRuns, Is.EqualTo(1), "and runs once the naming one has ended");
        });
    }

    [Test]
    public async Task A_full_run_waiting_for_its_turn_leaves_its_kind_s_incremental_runs_going()
    {
        using var h = new Harness();
        await h.Executor.RunAsync("t", SyncKind.Config, SyncMode.Full, SyncRunRequest.Default, CancellationToken.None);
        h.Naming.Hold = new TaskCompletionSource();
        var naming = h.Executor.RunAsync("t", SyncKind.Naming, SyncMode.Full, SyncRunRequest.Default, CancellationToken.None);
        var waitingConfig = h.Executor.RunAsync("t", SyncKind.Config, SyncMode.Full, SyncRunRequest.Default, CancellationToken.None);

        var incremental = await h.Executor.RunAsync("t", SyncKind.Config, SyncMode.Incremental, SyncRunRequest.Default, CancellationToken.None);

        Assert.That(incremental?.Mode, Is.EqualTo(SyncMode.Incremental), "the waiting full run does not hold the config gate");
        h.Naming.Hold.SetResult();
        await Task.WhenAll(naming, waitingConfig);
        Assert.That(h.Config.FullRuns, Is.EqualTo(2));
    }

    [Test]
    public async Task A_full_run_cancelled_while_waiting_gives_the_turn_back()
    {
        using var h = new Harness();
        h.Naming.Hold = new TaskCompletionSource();
        var naming = h.Executor.RunAsync("t", SyncKind.Naming, SyncMode.Full, SyncRunRequest.Default, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = h.Executor.RunAsync("t", SyncKind.Config, SyncMode.Full, SyncRunRequest.Default, cancel.Token);
        await cancel.CancelAsync();

        Assert.That(async () => await cancelled, Throws.InstanceOf<OperationCanceledException>());
        h.Naming.Hold.SetResult();
        await naming;
        var next = h.Executor.RunAsync("t", SyncKind.Config, SyncMode.Full, SyncRunRequest.Default, CancellationToken.None);
        Assert.That(next.IsCompleted, Is.True, "the turn is free: the next full run starts at once");
        Assert.That((await next)?.Mode, Is.EqualTo(SyncMode.Full));
    }

    private sealed class Harness : IDisposable
    {
        private readonly SyncMetrics _meters = new();

        public Harness()
        {
            var clock = new FakeTimeProvider(TestTime.Start);
            Executor = new SyncJobExecutor([Naming, Config], new SyncRunMetrics(_meters, clock), clock, NullLogger<SyncJobExecutor>.Instance, new ReconciliationGate());
        }

        public HeldRunner Naming { get; } = new(SyncKind.Naming);

        public HeldRunner Config { get; } = new(SyncKind.Config);

        public SyncJobExecutor Executor { get; }

        public void Dispose() => _meters.Dispose();
    }

    /// <summary>A runner whose full runs wait for <see cref="Hold"/> when it is set.</summary>
    private sealed class HeldRunner(SyncKind kind) : ISyncRunner
    {
        public SyncKind Kind => kind;

        public int FullRuns { get; private set; }

        public TaskCompletionSource? Hold { get; set; }

        public async Task<SyncRunResult> RunAsync(string taskName, SyncMode mode, SyncRunRequest request, CancellationToken cancellationToken)
        {
            if (mode == SyncMode.Full)
            {
                FullRuns++;
                if (Hold is { } hold)
                {
                    await hold.Task.WaitAsync(cancellationToken);
                }
            }

            return new SyncRunResult { TaskName = taskName, Kind = kind, Mode = mode };
        }
    }
}
