using NacosSync.Bench.Measure;

namespace NacosSync.Bench.Tests;

[TestFixture]
public sealed class PrometheusTextTests
{
    // The shape OpenTelemetry's Prometheus exporter writes for the daemon's instruments.
    private const string Exposition = """
        # HELP nacossync_sync_run_duration_seconds Duration of sync runs, by task, kind and mode.
        # TYPE nacossync_sync_run_duration_seconds histogram
        nacossync_sync_run_duration_seconds_bucket{task="bench",kind="naming",mode="full",le="0.5"} 0 1764657000000
        nacossync_sync_run_duration_seconds_bucket{task="bench",kind="naming",mode="full",le="+Inf"} 2 1764657000000
        nacossync_sync_run_duration_seconds_sum{task="bench",kind="naming",mode="full"} 12.5 1764657000000
        nacossync_sync_run_duration_seconds_count{task="bench",kind="naming",mode="full"} 2 1764657000000
        nacossync_sync_run_duration_seconds_sum{task="bench",kind="config",mode="full"} 3.25
        nacossync_sync_run_duration_seconds_sum{task="other",kind="naming",mode="full"} 100

        # EOF
        nacossync_sync_lag_seconds{task="a \"quoted\" \\ name\nsecond line"} NaN
        nacossync_sync_objects_total{task="bench",kind="naming",action="added"} 1e4
        """;

    [Test]
    public void Samples_are_read_with_their_labels_and_timestamps_dropped()
    {
        var samples = PrometheusText.Parse(Exposition);
        Assert.That(samples, Has.Count.EqualTo(8), "comments and blank lines are not samples");
        var inf = samples[1];
        Assert.That(inf.Labels["le"], Is.EqualTo("+Inf"));
        Assert.That(inf.Value, Is.EqualTo(2), "the value, not the millisecond timestamp after it");
        Assert.That(samples[^1].Value, Is.EqualTo(10_000), "exponent notation");
    }

    [Test]
    public void Sum_keeps_only_samples_carrying_every_label_asked_for()
    {
        var samples = PrometheusText.Parse(Exposition);
        Assert.That(PrometheusText.Sum(samples, "nacossync_sync_run_duration_seconds_sum", ("task", "bench"), ("kind", "naming")), Is.EqualTo(12.5));
        Assert.That(PrometheusText.Sum(samples, "nacossync_sync_run_duration_seconds_sum", ("task", "bench")), Is.EqualTo(15.75));
        Assert.That(PrometheusText.Sum(samples, "nacossync_sync_run_duration_seconds_sum"), Is.EqualTo(115.75));
        Assert.That(PrometheusText.Sum(samples, "nacossync_sync_run_duration_seconds_sum", ("mode", "incremental")), Is.Zero);
    }

    [Test]
    public void Label_values_are_unescaped()
    {
        var lag = PrometheusText.Parse(Exposition).Single(s => s.Name == "nacossync_sync_lag_seconds");
        Assert.That(lag.Labels["task"], Is.EqualTo("a \"quoted\" \\ name\nsecond line"));
        Assert.That(double.IsNaN(lag.Value), Is.True);
    }

    [TestCase("nacossync_x{task=\"bench\"")]
    [TestCase("nacossync_x{task=bench} 1")]
    [TestCase("nacossync_x one")]
    [TestCase("{task=\"a\"} 1")]
    public void A_line_that_is_not_a_sample_is_an_error_naming_its_line(string line)
    {
        var error = Assert.Throws<FormatException>(() => PrometheusText.Parse("# HELP x\n" + line + "\n"));
        Assert.That(error!.Message, Does.Contain("line 2"));
    }
}
