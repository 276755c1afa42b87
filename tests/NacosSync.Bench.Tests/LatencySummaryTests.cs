using NacosSync.Bench.Measure;

namespace NacosSync.Bench.Tests;

[TestFixture]
public sealed class LatencySummaryTests
{
    [Test]
    public void Percentiles_are_nearest_rank_values_that_were_measured()
    {
        // 1..100 shuffled: the p-th percentile of nearest rank is p itself.
        var values = Enumerable.Range(1, 100).Select(i => (double)i).OrderBy(i => (i * 37) % 101).ToList();
        var s = LatencySummary.Of(values);
        Assert.That((s.Count, s.P50, s.P90, s.P99, s.Max), Is.EqualTo((100, 50.0, 90.0, 99.0, 100.0)));
    }

    [Test]
    public void A_small_sample_rounds_the_rank_up_so_p99_of_ten_values_is_the_largest()
    {
        var s = LatencySummary.Of([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 5.0]);
        Assert.That(s.P50, Is.EqualTo(0.5), "rank ceil(0.5 × 10) = 5");
        Assert.That(s.P90, Is.EqualTo(0.9), "rank 9");
        Assert.That(s.P99, Is.EqualTo(5.0), "rank ceil(9.9) = 10: one slow change in ten is the p99");
    }

    [Test]
    public void One_value_is_every_percentile()
    {
        var s = LatencySummary.Of([0.25]);
        Assert.That((s.P50, s.P99, s.Max), Is.EqualTo((0.25, 0.25, 0.25)));
    }

    [Test]
    public void No_values_give_not_a_number_rather_than_zero()
    {
        var s = LatencySummary.Of([]);
        Assert.That(s.Count, Is.Zero);
        Assert.That(double.IsNaN(s.P99), Is.True, "an empty stream must not read as zero latency");
    }

    [Test]
    public void A_percent_outside_0_to_100_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LatencySummary.Percentile([1.0], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => LatencySummary.Percentile([1.0], 101));
    }
}
