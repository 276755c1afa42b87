using System.Diagnostics.Metrics;
using NacosSync.Core.Sync;
using NacosSync.Engine.Telemetry;
using NacosSync.Hosting.Metrics;
using NacosSync.Tests.Infrastructure;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace NacosSync.Tests.Metrics;

[TestFixture]
internal sealed class PrometheusTextExporterTests
{
    [TestCase("nacossync.sync.lag", "s", false, "nacossync_sync_lag_seconds")]
    [TestCase("nacossync.sync.runs", "{run}", true, "nacossync_sync_runs_total")]
    [TestCase("nacossync.heartbeats", "{heartbeat}", true, "nacossync_heartbeats_total")]
    [TestCase("nacossync.sync.run.duration", "s", false, "nacossync_sync_run_duration_seconds")]
    [TestCase("x.bytes", "By", false, "x_bytes")]
    public void Instrument_names_follow_the_prometheus_rules(string name, string unit, bool counter, string expected) =>
        Assert.That(PrometheusTextExporter.PrometheusName(name, unit, counter), Is.EqualTo(expected));

    [Test]
    public async Task A_scrape_renders_counters_gauges_and_histograms_with_help_type_and_escaped_labels()
    {
        using var meter = new Meter("NacosSync.Test." + Guid.NewGuid());
        var counter = meter.CreateCounter<long>("demo.runs", "{run}", "Runs.");
        var histogram = meter.CreateHistogram("demo.latency", "s", "Latency.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1] });
        meter.CreateObservableGauge("demo.lag", () => 2.5, "s", "Lag.");
        using var exporter = new PrometheusTextExporter();
        using var provider = Sdk.CreateMeterProviderBuilder().AddMeter(meter.Name).AddReader(new PrometheusMetricReader(exporter)).Build();

        counter.Add(3, new KeyValuePair<string, object?>("task", "a\"b"));
        histogram.Record(0.2);
        histogram.Record(0.7);
        histogram.Record(4);
        var text = await exporter.ScrapeAsync(CancellationToken.None);

        Assert.That(text, Does.Contain("# TYPE demo_runs_total counter\n"));
        Assert.That(text, Does.Contain("demo_runs_total{task=\"a\\\"b\"} 3\n"), "label values are escaped");
        Assert.That(text, Does.Contain("# HELP demo_lag_seconds Lag.\n# TYPE demo_lag_seconds gauge\ndemo_lag_seconds 2.5\n"));
        Assert.That(text, Does.Contain("demo_latency_seconds_bucket{le=\"0.5\"} 1\n"));
        Assert.That(text, Does.Contain("demo_latency_seconds_bucket{le=\"1\"} 2\n"), "buckets are cumulative");
        Assert.That(text, Does.Contain("demo_latency_seconds_bucket{le=\"+Inf\"} 3\n"));
        Assert.That(text, Does.Contain("demo_latency_seconds_count 3\n"));
    }

    [Test]
    public void Lag_rises_while_runs_fail_and_returns_to_zero_when_a_run_converges()
    {
        var clock = new ManualTimeProvider();
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
        var clock = new ManualTimeProvider();
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
