using NacosSync.Core.Naming;
using NacosSync.Core.Sync;
using NacosSync.Sandbox;
using static NacosSync.IntegrationTests.Naming.NamingSyncHarness;

namespace NacosSync.IntegrationTests.Naming;

/// <summary>
/// The source change feed over gRPC (Nacos 2.x/3.x): subscriptions on the task's connection, pushes, no renewals;
/// a reconnect re-subscribes with nothing lost; a 1.4 source stays on the UDP feed. Requests are counted on the
/// source sandbox (<see cref="SandboxNode.Requests"/>), not timed.
/// </summary>
[TestFixture]
internal sealed class NamingGrpcFeedTests
{
    private const string Task = "a-to-b";
    private const string InstanceList = "/instance/list";
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [TestCase(NacosVersionProfile.V2_4)]
    [TestCase(NacosVersionProfile.V3_3)]
    public async Task A_source_on_gRPC_serves_no_renewals_at_rest_and_its_pushes_reach_the_target(NacosVersionProfile profile)
    {
        await using var h = await StartAsync(profile, grpcFeed: true);
        var services = Enumerable.Range(0, 12).Select(i => $"svc-{i:D2}").ToList();
        foreach (var service in services)
        {
            await h.SourceApi.RegisterAsync(Source(service, "10.0.0.1"), None);
        }

        await SubscribedAsync(h, services.Count);
        var node = h.A.Nodes[0];
        var before = node.Requests.Snapshot();

        // 40 s of incremental ticks: the UDP feed renews each service every 7.5 s (instance/list); this feed must not.
        for (var tick = 0; tick < 40; tick++)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(1));
            var idle = await h.RunAsync(SyncMode.Incremental);
            Assert.That(idle.Errors, Is.Empty, "an idle incremental run is clean");
        }

        var asked = SandboxRequestCounts.Since(before, node.Requests.Snapshot());
        Assert.Multiple(() =>
        {
            Assert.That(asked.Where(a => a.Key.EndsWith(InstanceList, StringComparison.Ordinal)).Sum(a => a.Value), Is.Zero,
                $"no list renewals at rest (v1 or v3 instance/list); asked: {Describe(asked)}");
            Assert.That(asked.GetValueOrDefault(SandboxRequestCounts.GrpcKey("SubscribeServiceRequest")), Is.Zero, "no subscription renewals either: they live with the connection");
            Assert.That(asked.GetValueOrDefault(SandboxRequestCounts.GrpcKey("ServiceQueryRequest")), Is.Zero, "no per-service queries");
            Assert.That(asked.GetValueOrDefault(SandboxRequestCounts.GrpcKey("ServiceListRequest")), Is.GreaterThan(0), "new services are still looked for (ServiceListRequest every 30 s)");
        });

        var pushes = h.Feed.PushesReceived;
        await h.SourceApi.RegisterAsync(Source("svc-03", "10.0.0.1", weight: 7), None);
        await WaitForAsync(() => h.Feed.PushesReceived > pushes, "the change is pushed over gRPC");
        var applied = await h.RunAsync(SyncMode.Incremental);
        Assert.That((await AllAsync(h.TargetApi)).Single(i => i.Key.Service.Service == "svc-03").Weight, Is.EqualTo(7),
            $"the pushed change is applied by the next run ({applied.Updated} updated)");
    }

    [Test]
    public async Task A_change_made_while_the_connection_was_down_reaches_the_target_after_the_reconnect()
    {
        await using var h = await StartAsync(NacosVersionProfile.V2_4, grpcFeed: true, mySqlState: true);
        await h.SourceApi.RegisterAsync(Source("orders", "10.0.0.1"), None);
        await h.SourceApi.RegisterAsync(Source("pay", "10.0.1.1"), None);
        await SubscribedAsync(h, 2);
        var subscriber = h.Feed.Subscriber(Task)!;
        var lost = subscriber.Connection.ConnectionId;
        var node = h.A.Nodes[0];

        // The node stops answering on gRPC and every connection is cut: the reconnect hangs until the node is back,
        // so the change below is made while the server holds no subscription of ours and pushes it to nobody.
        node.ConnectionFaults.Stalled = true;
        node.ConnectionFaults.DropAllConnections();
        await WaitForAsync(() => subscriber.Connection.ConnectionId != lost, "the client sees the connection lost");
        var pushes = h.Feed.PushesReceived;
        await h.SourceApi.RegisterAsync(Source("orders", "10.0.0.1", weight: 5), None);
        await h.SourceApi.DeregisterAsync(Source("pay", "10.0.1.1"), None);
        node.ConnectionFaults.Stalled = false;

        await WaitForAsync(() => subscriber.Connection.ConnectionId is { } now && now != lost, "reconnected", advance: h);
        await WaitForAsync(() => subscriber.Waiting == 0 && subscriber.Subscribed == 2, "both services subscribed again on the new connection");
        Assert.That(h.Feed.PushesReceived, Is.EqualTo(pushes), "nothing was pushed for the gap: only the re-subscription can find the change");

        var run = await h.RunAsync(SyncMode.Incremental);
        var target = await AllAsync(h.TargetApi);
        Assert.Multiple(() =>
        {
            Assert.That(run.Errors, Is.Empty);
            Assert.That(target.Single(i => i.Key.Service.Service == "orders").Weight, Is.EqualTo(5), "the change made during the outage is applied");
            Assert.That(target.Where(i => i.Key.Service.Service == "pay"), Is.Empty, "the removal made during the outage is applied");
        });

        var later = h.Feed.PushesReceived;
        await h.SourceApi.RegisterAsync(Source("orders", "10.0.0.1", weight: 6), None);
        await WaitForAsync(() => h.Feed.PushesReceived > later, "pushes flow on the new connection");
    }

    [Test]
    public async Task A_push_that_arrives_while_a_run_applies_its_service_stays_dirty_for_the_next_run()
    {
        await using var h = await StartAsync(NacosVersionProfile.V2_4, grpcFeed: true);
        await h.SourceApi.RegisterAsync(Source("orders", "10.0.0.1"), None);
        await SubscribedAsync(h, 1);

        var pushes = h.Feed.PushesReceived;
        await h.SourceApi.RegisterAsync(Source("orders", "10.0.0.1", weight: 2), None);
        await WaitForAsync(() => h.Feed.PushesReceived > pushes, "the first change is pushed");

        // The run reads the source (weight 2), then hangs on the target read; meanwhile the source changes again.
        var target = h.B.Nodes[0];
        var targetReads = target.Requests.Http("GET", "/nacos/v1/ns/catalog/services");
        target.Faults.Mode = FaultMode.Hang;
        var run = h.RunAsync(SyncMode.Incremental);
        await WaitForAsync(() => target.Requests.Http("GET", "/nacos/v1/ns/catalog/services") > targetReads || run.IsCompleted, "the run reaches the target");
        Assert.That(run.IsCompleted, Is.False, "the run waits on the target read");
        pushes = h.Feed.PushesReceived;
        await h.SourceApi.RegisterAsync(Source("orders", "10.0.0.1", weight: 3), None);
        await WaitForAsync(() => h.Feed.PushesReceived > pushes, "the second change is pushed during the run");
        target.Faults.Clear();
        var first = await run;
        var afterFirst = (await AllAsync(h.TargetApi)).Single().Weight;

        var second = await h.RunAsync(SyncMode.Incremental);
        Assert.Multiple(() =>
        {
            Assert.That(first.Errors.Concat(second.Errors), Is.Empty, "both runs are clean");
            Assert.That(afterFirst, Is.EqualTo(2), "the run applied what it read");
            Assert.That(second.Updated, Is.EqualTo(1), "the next run takes the service again: the push during the run kept it dirty");
        });
        Assert.That((await AllAsync(h.TargetApi)).Single().Weight, Is.EqualTo(3), "the second change is not lost (there are no renewals to catch it)");
    }

    [Test]
    public async Task A_1_4_source_stays_on_the_UDP_feed_and_reaches_a_3_3_target()
    {
        await using var h = await StartAsync(NacosVersionProfile.V1_4, grpcFeed: true, targetProfile: NacosVersionProfile.V3_3);
        await h.SourceApi.RegisterAsync(Source("orders", "10.0.0.1"), None);
        var full = await h.RunAsync(SyncMode.Incremental);
        Assert.That(full.Errors, Is.Empty, "the first run (full) into 3.3 is clean");
        await h.RunAsync(SyncMode.Incremental);
        Assert.That(h.Feed.Subscriber(Task), Is.Null, "1.4 has no gRPC: the feed listens for UDP pushes");

        var pushes = h.Feed.PushesReceived;
        await h.SourceApi.RegisterAsync(Source("orders", "10.0.0.2"), None);
        await WaitForAsync(() => h.Feed.PushesReceived > pushes, "the change is pushed over UDP");
        await h.RunAsync(SyncMode.Incremental);
        var target = await AllAsync(h.TargetApi);
        Assert.That(target.Select(i => i.Key.Ip).Order(), Is.EqualTo(new[] { "10.0.0.1", "10.0.0.2" }), "the 1.4 source's change reaches the 3.3 target");
    }

    /// <summary>Persistent source instances: the fake clock's jumps must not expire them.</summary>
    private static NamingInstance Source(string service, string ip, double weight = 1) => Instance(service, ip, weight: weight, ephemeral: false);

    /// <summary>The full run, then an incremental run (it picks the feed), then waits until every service is subscribed.</summary>
    private static async Task SubscribedAsync(NamingSyncHarness h, int services)
    {
        var full = await h.RunAsync(SyncMode.Incremental);
        Assert.That(full.Errors, Is.Empty, "the first run (full) is clean");
        var first = await h.RunAsync(SyncMode.Incremental);
        Assert.That(first.Errors, Is.Empty);
        var subscriber = h.Feed.Subscriber(Task);
        Assert.That(subscriber, Is.Not.Null, "a 2.x/3.x source on Transport Auto is watched over gRPC");
        await WaitForAsync(() => subscriber!.Subscribed == services && subscriber.Waiting == 0, $"all {services} services subscribed");
        await h.RunAsync(SyncMode.Incremental); // whatever the subscribe answers marked is settled
    }

    private static async Task WaitForAsync(Func<bool> condition, string what, NamingSyncHarness? advance = null)
    {
        var until = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(until), $"timed out waiting: {what}");
            advance?.Clock.Advance(TimeSpan.FromMilliseconds(100)); // the reconnect's pauses run on the fake clock
            await System.Threading.Tasks.Task.Delay(20);
        }
    }

    private static string Describe(IReadOnlyDictionary<string, long> asked) => string.Join(", ", asked.Select(a => $"{a.Key}={a.Value}"));
}
