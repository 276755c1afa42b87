using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NacosSync.Core.Config;
using NacosSync.Engine.Config;

namespace NacosSync.Tests.Config;

/// <summary>The refresh-and-proof stage against an in-memory cluster, on a fake clock.</summary>
[TestFixture]
internal sealed class CacheRefresherTests
{
    private const string LocalCache = "/nacos/v1/cs/ops/localCache";
    private const string DataChange = "/nacos/v1/cs/communication/dataChange";
    private static readonly ConfigKey A = new("", "DEFAULT_GROUP", "a");
    private static readonly ConfigKey B = new("", "DEFAULT_GROUP", "b");

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>Moves the fake clock in small steps until <paramref name="task"/> ends (at most <paramref name="limit"/> of fake time).</summary>
    private async Task<T> DriveAsync<T>(Task<T> task, TimeSpan limit)
    {
        for (var moved = TimeSpan.Zero; !task.IsCompleted && moved <= limit; moved += TimeSpan.FromMilliseconds(50))
        {
            await Task.Delay(5);
            _clock.Advance(TimeSpan.FromMilliseconds(50));
        }

        for (var i = 0; i < 100 && !task.IsCompleted; i++)
        {
            await Task.Delay(5);
        }

        Assert.That(task.IsCompleted, Is.True, $"the stage must end within its deadline of fake time ({limit.TotalSeconds} s), whatever a node does");
        return await task;
    }

    private CacheRefresher Refresher(FakeConfigCluster cluster, LocalCacheCoalescer? coalescer = null) =>
        new(cluster.Client(_clock), _clock, NullLogger.Instance, coalescer);

    [Test]
    public async Task A_slow_node_is_named_and_its_keys_stay_pending_while_the_other_node_is_proven_within_the_deadline()
    {
        var cluster = new FakeConfigCluster("2.4.3", "10.0.0.1:8848", "10.0.0.2:8848");
        cluster.Write(A, "v1");
        cluster.Hanging.Add("10.0.0.2:8848");

        var outcome = await DriveAsync(Refresher(cluster).RefreshAndVerifyAsync([new ExpectedConfig(A, FakeConfigCluster.Md5("v1"))], refresh: true,
            TimeSpan.FromSeconds(3), CancellationToken.None), TimeSpan.FromSeconds(4));

        Assert.Multiple(() =>
        {
            Assert.That(outcome.Converged, Is.Empty, "a key is proven only when every node serves it");
            Assert.That(outcome.Pending.Select(p => p.Expected.Key), Is.EqualTo(new[] { A }), "the key stays pending");
            Assert.That(outcome.Pending.Single().Why, Does.Contain("10.0.0.2:8848").And.Contain("did not answer"), "the slow node is named");
            Assert.That(outcome.Pending.Single().Why, Does.Not.Contain("10.0.0.1:8848"), "the node that serves it is not blamed");
            Assert.That(cluster.Caches["10.0.0.1:8848"][A], Is.EqualTo("v1"), "the healthy node was refreshed meanwhile");
        });
    }

    [Test]
    public async Task Every_unproven_key_is_returned_however_many_there_are()
    {
        var cluster = new FakeConfigCluster("2.4.3", "10.0.0.1:8848");
        var expected = Enumerable.Range(0, 1_500).Select(i => new ExpectedConfig(new ConfigKey("", "G", "k" + i), FakeConfigCluster.Md5("never written"))).ToList();

        var outcome = await DriveAsync(Refresher(cluster).RefreshAndVerifyAsync(expected, refresh: true, TimeSpan.FromSeconds(2), CancellationToken.None), TimeSpan.FromSeconds(3));

        Assert.That(outcome.Pending.Select(p => p.Expected.Key), Is.EquivalentTo(expected.Select(e => e.Key)), "no key is dropped, beyond any cap");
    }

    [Test]
    public async Task Runs_that_write_within_one_interval_share_one_local_cache_per_node()
    {
        var cluster = new FakeConfigCluster("2.4.3", "10.0.0.1:8848", "10.0.0.2:8848");
        var coalescer = new LocalCacheCoalescer(_clock) { MinInterval = TimeSpan.FromSeconds(3) };
        var c = new ConfigKey("", "DEFAULT_GROUP", "c");
        cluster.Write(c, "c1");
        var earlier = await DriveAsync(Refresher(cluster, coalescer).RefreshAndVerifyAsync([new ExpectedConfig(c, FakeConfigCluster.Md5("c1"))], true, TimeSpan.FromSeconds(8), CancellationToken.None), TimeSpan.FromSeconds(9));
        Assert.That(earlier.Pending, Is.Empty, "test setup: an earlier run refreshed every node just now");

        // Two runs write one key each right after: neither may cost a re-read of every row on its own.
        cluster.Write(A, "a1");
        cluster.Write(B, "b1");
        var first = Refresher(cluster, coalescer).RefreshAndVerifyAsync([new ExpectedConfig(A, FakeConfigCluster.Md5("a1"))], true, TimeSpan.FromSeconds(8), CancellationToken.None);
        var second = Refresher(cluster, coalescer).RefreshAndVerifyAsync([new ExpectedConfig(B, FakeConfigCluster.Md5("b1"))], true, TimeSpan.FromSeconds(8), CancellationToken.None);
        var outcomes = await DriveAsync(Task.WhenAll(first, second), TimeSpan.FromSeconds(9));

        Assert.Multiple(() =>
        {
            Assert.That(outcomes.SelectMany(o => o.Pending), Is.Empty, "both runs' keys are proven");
            Assert.That(cluster.CallsTo(LocalCache, "10.0.0.1:8848"), Is.EqualTo(2), "the earlier run's call, then one call covering both runs, not one per run");
            Assert.That(cluster.CallsTo(LocalCache, "10.0.0.2:8848"), Is.EqualTo(2), "on every node");
        });
    }

    [Test]
    public async Task A_node_that_already_serves_every_key_is_not_refreshed()
    {
        var cluster = new FakeConfigCluster("2.4.3", "10.0.0.1:8848", "10.0.0.2:8848");
        cluster.Write(A, "a1");
        cluster.LoadEveryNode();

        var outcome = await DriveAsync(Refresher(cluster).RefreshAndVerifyAsync([new ExpectedConfig(A, FakeConfigCluster.Md5("a1"))], true, TimeSpan.FromSeconds(5), CancellationToken.None), TimeSpan.FromSeconds(6));

        Assert.Multiple(() =>
        {
            Assert.That(outcome.Converged, Has.Count.EqualTo(1), "proven");
            Assert.That(cluster.CallsTo(LocalCache), Is.Zero, "a full re-read costs the whole table: never spent on a node that is already current");
        });
    }

    [Test]
    public async Task A_delete_on_2_4_sends_no_local_cache_which_could_never_drop_it()
    {
        var cluster = new FakeConfigCluster("2.4.3", "10.0.0.1:8848");
        cluster.Write(A, "a1");
        cluster.LoadEveryNode();
        cluster.Database.Remove(A);

        var outcome = await DriveAsync(Refresher(cluster).RefreshAndVerifyAsync([new ExpectedConfig(A, null)], true, TimeSpan.FromSeconds(2), CancellationToken.None), TimeSpan.FromSeconds(3));

        Assert.Multiple(() =>
        {
            Assert.That(outcome.Pending.Select(p => p.Expected.Key), Is.EqualTo(new[] { A }), "the node still serves it: reported");
            Assert.That(outcome.Pending.Single().Why, Does.Contain("10.0.0.1:8848").And.Contain("wanted absent"), "naming the node and what was wanted");
            Assert.That(cluster.CallsTo(LocalCache), Is.Zero, "localCache never removes a deleted key (reference §5): not worth a re-read of every row");
        });
    }

    [Test]
    public async Task Up_to_2_2_0_only_the_keys_a_node_lacks_get_data_change_there()
    {
        var cluster = new FakeConfigCluster("2.2.0", "10.0.0.1:8848", "10.0.0.2:8848");
        cluster.Write(A, "a1");
        cluster.Write(B, "b1");
        cluster.LoadEveryNode();
        cluster.Write(B, "b2");
        cluster.Caches["10.0.0.2:8848"][B] = "b2";

        var outcome = await DriveAsync(Refresher(cluster).RefreshAndVerifyAsync(
            [new ExpectedConfig(A, FakeConfigCluster.Md5("a1")), new ExpectedConfig(B, FakeConfigCluster.Md5("b2"))], true, TimeSpan.FromSeconds(5), CancellationToken.None), TimeSpan.FromSeconds(6));

        Assert.Multiple(() =>
        {
            Assert.That(outcome.Pending, Is.Empty, "both proven");
            Assert.That(cluster.CallsTo(DataChange, "10.0.0.1:8848"), Is.EqualTo(1), "only b, only on the node that lagged");
            Assert.That(cluster.CallsTo(DataChange, "10.0.0.2:8848"), Is.Zero, "the current node is left alone");
        });
    }
}
