using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NacosSync.Core.Naming;
using NacosSync.Core.Options;
using NacosSync.Core.State;
using NacosSync.Engine.Naming;
using NacosSync.Nacos.Naming;
using NacosSync.Nacos.Transport;
using static NacosSync.Tests.Naming.NamingTestData;

namespace NacosSync.Tests.Naming;

[TestFixture]
public sealed class NamingChangeFeedTests
{
    private const string ServiceInfo = """{"name":"DEFAULT_GROUP@@orders","hosts":[{"ip":"10.0.0.1","port":8080,"weight":1,"healthy":true,"enabled":true,"ephemeral":true,"clusterName":"DEFAULT","metadata":{}}],"lastRefTime":1}""";

    private static (NamingChangeFeed Feed, NamingTask Task, IRunStateStore Store) Create(Func<Task> duringList)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new InMemoryRunStateStore(clock);
        var task = NewTask(new ScriptedNacosHandler(async (_, _, _) =>
        {
            await duringList();
            return ScriptedNacosHandler.Text(HttpStatusCode.OK, ServiceInfo);
        }));
        return (new NamingChangeFeed(store, clock, NullLogger<NamingChangeFeed>.Instance), task, store);
    }

    /// <summary>Task <c>t</c> from source <c>a</c> to target <c>b</c>, both clients answered by <paramref name="handler"/>.</summary>
    private static NamingTask NewTask(ScriptedNacosHandler handler)
    {
        var client = new NacosNamingClient(new NacosTransport(new NacosTransportOptions { Name = "a", Servers = [new Uri("http://10.0.0.1:8848")] }, new HttpClient(handler)));
        var options = new SyncTaskOptions { Source = "a", Target = "b" };
        return new NamingTask("t", options, Owner, new NamingMapper(Owner, options), client, client);
    }

    [Test]
    public async Task A_push_that_arrives_while_a_run_reads_the_service_leaves_it_dirty_after_the_run()
    {
        NamingChangeFeed? feed = null;
        var pushDuringRead = false;
        var (created, task, _) = Create(() =>
        {
            if (pushDuringRead)
            {
                feed!.Pushed("t", "DEFAULT_GROUP", "orders"); // the source changes again while the run's list call is out
            }

            return Task.CompletedTask;
        });
        feed = created;
        using var _ = feed;
        await feed.FullRunCompletedAsync(task, [ServiceBaseline.Of(new ServiceSnapshot(Service(), []))], ["public"], everyNamespace: false, new Dictionary<ServiceKey, DateTimeOffset>(), CancellationToken.None);
        feed.Pushed("t", "DEFAULT_GROUP", "orders"); // a first change: the service is dirty when the run takes it

        pushDuringRead = true;
        var (_, changed) = await feed.ListAndSubscribeAsync(task, Service(), CancellationToken.None);
        await feed.CompletedAsync(task, [Service()], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(changed, Is.True, "the first push made the run look at the target");
            Assert.That(feed.OldestPending("t"), Is.Not.Null, "the push during the read may name a change the read did not see: the service stays dirty for the next run");
        });
    }

    [Test]
    public async Task A_push_before_the_read_is_cleared_by_the_run_that_applies_it_and_the_baseline_is_persisted()
    {
        var (feed, task, store) = Create(() => Task.CompletedTask);
        using var _ = feed;
        await feed.FullRunCompletedAsync(task, [ServiceBaseline.Of(new ServiceSnapshot(Service(), []))], ["public"], everyNamespace: false, new Dictionary<ServiceKey, DateTimeOffset>(), CancellationToken.None);
        feed.Pushed("t", "DEFAULT_GROUP", "orders");

        await feed.ListAndSubscribeAsync(task, Service(), CancellationToken.None);
        await feed.CompletedAsync(task, [Service()], CancellationToken.None);
        var baselines = await store.LoadEntriesAsync(task.StateKey, StateScope.AppliedBaseline, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(feed.OldestPending("t"), Is.Null, "nothing came after the read: the change is applied");
            Assert.That(baselines.Select(b => b.Key), Is.EqualTo(new[] { Service().ToString() }), "the applied answer is the service's baseline in the store, for a restarted process");
        });
    }

    [Test]
    public async Task A_listing_that_falls_due_does_not_hold_back_the_changes_already_pushed_and_wakes_the_task_when_it_finds_a_service()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var listingReleased = new TaskCompletionSource();
        var task = NewTask(new ScriptedNacosHandler(async (request, _, ct) =>
        {
            if (request.RequestUri!.AbsolutePath.EndsWith("/catalog/services", StringComparison.Ordinal))
            {
                await listingReleased.Task.WaitAsync(ct); // listing 10,000 services takes seconds
                return ScriptedNacosHandler.Text(HttpStatusCode.OK, """{"count":2,"serviceList":[{"name":"orders","groupName":"DEFAULT_GROUP","clusterCount":1,"ipCount":1,"healthyInstanceCount":1},{"name":"payments","groupName":"DEFAULT_GROUP","clusterCount":1,"ipCount":1,"healthyInstanceCount":1}]}""");
            }

            return ScriptedNacosHandler.Text(HttpStatusCode.OK, ServiceInfo);
        }));
        var wakes = new NacosSync.Engine.Sync.SyncWakes();
        using var feed = new NamingChangeFeed(new InMemoryRunStateStore(clock), clock, NullLogger<NamingChangeFeed>.Instance, wakes: wakes);
        await feed.FullRunCompletedAsync(task, [ServiceBaseline.Of(new ServiceSnapshot(Service(), []))], ["public"], everyNamespace: false, new Dictionary<ServiceKey, DateTimeOffset>(), CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(1)); // the listing is due
        feed.Pushed("t", "DEFAULT_GROUP", "orders");

        // The safety net only bounds a failure: before, the run waited for the listing here for as long as it took.
        var first = await feed.TakeAsync(task, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(first.Services, Is.EqualTo(new[] { Service() }), "the pushed service is handed to the run while the listing is out");
        while (wakes.Wakes.TryRead(out _))
        {
            // the push's own wake, taken by the run that began
        }

        wakes.Begin("t", NacosSync.Core.Sync.SyncKind.Naming);

        listingReleased.SetResult();
        var woken = await wakes.Wakes.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        var second = await feed.TakeAsync(task, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(woken.Task, Is.EqualTo("t"), "the listing that found a new service wakes its task");
            Assert.That(second.Services, Has.Member(Service("payments")), "and the new service is in the next run");
        });
    }

    [Test]
    public async Task A_restarted_feed_resumes_from_the_stored_baselines_and_finds_an_unchanged_service_unchanged()
    {
        var (first, task, store) = Create(() => Task.CompletedTask);
        using (first)
        {
            await first.FullRunCompletedAsync(task, [ServiceBaseline.Of(new ServiceSnapshot(Service(), [Instance("10.0.0.1")]))], ["public"], everyNamespace: false,
                new Dictionary<ServiceKey, DateTimeOffset>(), CancellationToken.None);
        }

        using var restarted = new NamingChangeFeed(store, new FakeTimeProvider(), NullLogger<NamingChangeFeed>.Instance);
        var resumed = await restarted.ResumeAsync(task, CancellationToken.None);
        var (_, changed) = await restarted.ListAndSubscribeAsync(task, Service(), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(resumed, Is.True, "baselines in the store are enough to resume");
            Assert.That(changed, Is.False, "the source answers what was applied before the restart: no target look, nothing re-applied");
        });
    }
}
