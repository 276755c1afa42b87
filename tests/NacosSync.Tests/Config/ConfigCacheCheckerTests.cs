using Microsoft.Extensions.Time.Testing;
using NacosSync.Core.Config;
using NacosSync.Engine.Config;

namespace NacosSync.Tests.Config;

/// <summary>The full run's check of every node against the source digests, on a fake clock.</summary>
[TestFixture]
internal sealed class ConfigCacheCheckerTests
{
    private static readonly ConfigKey Fresh = new("", "G", "fresh");
    private static readonly ConfigKey Stale = new("", "G", "stale");
    private static readonly ConfigKey Written = new("", "G", "written");

    private static async IAsyncEnumerable<ConfigDigest> Digests(params (ConfigKey Key, string Content)[] rows)
    {
        foreach (var (key, content) in rows)
        {
            await Task.Yield();
            yield return new ConfigDigest(key, FakeConfigCluster.Md5(content), new ConfigAttributes("text", "", "", "", ""));
        }
    }

    [Test]
    public async Task A_stale_node_is_named_per_key_a_slow_one_is_reported_unchecked_and_only_agreeing_rows_are_repaired()
    {
        var clock = new FakeTimeProvider();
        var cluster = new FakeConfigCluster("2.4.3", "10.0.0.1:8848", "10.0.0.2:8848", "10.0.0.3:8848");
        cluster.Write(Fresh, "f");
        cluster.Write(Stale, "new");
        cluster.Write(Written, "w");
        cluster.LoadEveryNode();
        cluster.Caches["10.0.0.2:8848"][Stale] = "old";
        cluster.Hanging.Add("10.0.0.3:8848");
        var checker = new ConfigCacheChecker(cluster.Client(clock), clock) { RequestTimeout = TimeSpan.FromSeconds(2) };

        var run = Task.Run(async () =>
        {
            await foreach (var _ in checker.TapAsync(Digests((Fresh, "f"), (Stale, "new"), (Written, "changed")), CancellationToken.None))
            {
            }

            await checker.FlushAsync(CancellationToken.None);
        });
        for (var i = 0; i < 200 && !run.IsCompleted; i++)
        {
            await Task.Delay(5);
            clock.Advance(TimeSpan.FromMilliseconds(50));
        }

        Assert.That(run.IsCompleted, Is.True, "a hanging node costs one request deadline of fake time, not forever");
        await run;
        var repairs = checker.Repairs([new ExpectedConfig(Written, FakeConfigCluster.Md5("changed"))], []);

        Assert.Multiple(() =>
        {
            Assert.That(checker.Stale.Where(s => s.Node.Authority == "10.0.0.2:8848").Select(s => s.Key), Is.EquivalentTo(new[] { Stale, Written }),
                "node 2 serves the old value of 'stale' (and the not-yet-written 'written')");
            Assert.That(checker.Stale.Where(s => s.Node.Authority == "10.0.0.1:8848").Select(s => s.Key), Is.EqualTo(new[] { Written }), "node 1 lacks only the write");
            Assert.That(checker.Unchecked.Keys.Select(n => n.Authority), Is.EqualTo(new[] { "10.0.0.3:8848" }), "the slow node is named, not taken as current");
            Assert.That(checker.Unchecked.Values.Single(), Does.Contain("10.0.0.3:8848").And.Contain("did not answer"), "and why");
            Assert.That(repairs.Select(r => (r.Key, r.Md5)), Is.EqualTo(new[] { (Stale, (string?)FakeConfigCluster.Md5("new")) }),
                "only the key whose rows agree is refreshed beyond the run's writes, with the source's md5");
        });
    }
}
