using NacosSync.Core.Sync;
using NacosSync.Engine.Telemetry;
using NacosSync.Hosting.Metrics;
using NacosSync.Tests.Infrastructure;

namespace NacosSync.Tests.Metrics;

/// <summary>Lag as the run metrics compute it at scrape time.</summary>
[TestFixture]
internal sealed class SyncRunMetricsTests
{
    [Test]
    public void Lag_rises_while_runs_fail_and_returns_to_zero_when_a_run_converges()
    {
        var clock = new FakeTimeProvider(TestTime.Start);
        using var meters = new SyncMetrics();
        var metrics = new SyncRunMetrics(meters, clock);
        var change = clock.GetUtcNow();

        metrics.Record(Result(SyncMode.Incremental, pending: change, errors: [new SyncError(SyncStage.Write, "target down")]));
        clock.Advance(TimeSpan.FromSeconds(30));
        var whileDown = metrics.LagSeconds("t", SyncKind.Naming);
        metrics.Record(Result(SyncMode.Incremental, pending: null, errors: [new SyncError(SyncStage.ReadTarget, "still down")]));
        clock.Advance(TimeSpan.FromSeconds(30));
        var stillDown = metrics.LagSeconds("t", SyncKind.Naming);
        metrics.Record(Result(SyncMode.Incremental, pending: null, errors: []));
        clock.Advance(TimeSpan.FromMinutes(5));
        var idleAfterRecovery = metrics.LagSeconds("t", SyncKind.Naming);

        Assert.Multiple(() =>
        {
            Assert.That(whileDown, Is.EqualTo(30), "lag is the age of the oldest pending change");
            Assert.That(stillDown, Is.EqualTo(60), "a failed run that cannot say what is pending must not reset the lag");
            Assert.That(idleAfterRecovery, Is.Zero, "once converged, lag is 0 and stays 0 while idle");
        });
    }

    [Test]
    public void Lag_counts_the_silence_when_no_run_succeeds_within_the_staleness_window()
    {
        var clock = new FakeTimeProvider(TestTime.Start);
        using var meters = new SyncMetrics();
        var metrics = new SyncRunMetrics(meters, clock);
        metrics.Track("t", SyncKind.Naming, staleAfter: TimeSpan.FromSeconds(10));

        metrics.Record(Result(SyncMode.Incremental, pending: null, errors: []));
        clock.Advance(TimeSpan.FromSeconds(5));
        var withinWindow = metrics.LagSeconds("t", SyncKind.Naming);
        clock.Advance(TimeSpan.FromSeconds(25));
        var stalled = metrics.LagSeconds("t", SyncKind.Naming);
        metrics.Record(Result(SyncMode.Incremental, pending: null, errors: []));
        var recovered = metrics.LagSeconds("t", SyncKind.Naming);

        Assert.Multiple(() =>
        {
            Assert.That(withinWindow, Is.Zero, "a healthy, idle task reads 0");
            Assert.That(stalled, Is.EqualTo(30), "30 s without a successful run: nothing newer than 30 s ago can be vouched for");
            Assert.That(recovered, Is.Zero, "a successful run clears it");
        });
    }

    private static SyncRunResult Result(SyncMode mode, DateTimeOffset? pending, SyncError[] errors) => new()
    {
        TaskName = "t",
        Kind = SyncKind.Naming,
        Mode = mode,
        OldestPendingChange = pending,
        Errors = errors,
    };
}
