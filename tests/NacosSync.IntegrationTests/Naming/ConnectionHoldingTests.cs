using System.Diagnostics;
using NacosSync.IntegrationTests.Sandbox;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Naming;

/// <summary>
/// <c>Naming:ReplicaHolding: Connection</c> against sandboxes that hold gRPC instances as Nacos does (reference §9,
/// EphemeralClientOperationServiceImpl): replicas held by the daemon's connection with no beats, registered again
/// after a dropped connection, and kept through an owner's death by a standby's own connection.
/// </summary>
[TestFixture]
internal sealed class ConnectionHoldingTests
{
    [Test]
    public async Task Replicas_are_copied_and_stay_healthy_with_no_beat_and_no_http_registration()
    {
        // preserved.* of 2 s / 3 s: a replica registered over HTTP and never beaten would be unhealthy, then gone, within the wait.
        await using var harness = await ConnectionHoldingHarness.StartAsync(heartbeatTimeout: TimeSpan.FromSeconds(2));
        await harness.RegisterSourceAsync(services: 3, perService: 4);
        var daemon = harness.StartDaemon(standby: false);

        var run = await daemon.FullRunAsync();
        await Task.Delay(TimeSpan.FromSeconds(5));
        var (hosts, healthy) = await harness.TargetAsync("svc-1");
        var total = await harness.TargetCountAsync(3);

        Assert.Multiple(() =>
        {
            Assert.That(run.Succeeded, Is.True, string.Join("; ", run.Errors.Select(e => e.Message)));
            Assert.That(run.Added, Is.EqualTo(12));
            Assert.That(total, Is.EqualTo(12), "every replica is held by the connection");
            Assert.That(hosts, Has.Count.EqualTo(4));
            Assert.That(healthy, Is.EqualTo(4), "still healthy 5 s later, past their 2 s heartbeat timeout: nothing expires a connection's instances");
            Assert.That(harness.Target.BeatCount, Is.Zero, "no beat ever reached the target");
            Assert.That(harness.Target.HttpEphemeralRegistrationCount, Is.Zero, "no replica was registered over HTTP");
            Assert.That(daemon.Keeper.Holder.BatchesSent, Is.EqualTo(3), "one batch per service");
        });
    }

    [Test]
    public async Task On_a_1_4_target_every_run_fails_naming_the_key_and_nothing_is_registered_over_http_instead()
    {
        await using var harness = await ConnectionHoldingHarness.StartAsync(targetProfile: NacosVersionProfile.V1_4);
        await harness.RegisterSourceAsync(services: 1, perService: 2);
        var daemon = harness.StartDaemon(standby: false);

        var first = await daemon.FullRunAsync();
        var second = await daemon.FullRunAsync();

        Assert.Multiple(async () =>
        {
            foreach (var run in new[] { first, second })
            {
                Assert.That(run.Succeeded, Is.False);
                Assert.That(run.Errors.Select(e => e.Message), Has.Some.Contains("Tasks:t:Naming:ReplicaHolding is Connection").And.Contains("'b'"));
            }

            Assert.That((await harness.TargetAsync("svc-0")).Hosts, Is.Empty);
            Assert.That(harness.Target.HttpEphemeralRegistrationCount, Is.Zero, "no fallback to HTTP");
        });
    }

    [Test]
    public async Task A_removed_source_instance_leaves_the_batch_and_the_last_one_of_a_service_is_deregistered()
    {
        await using var harness = await ConnectionHoldingHarness.StartAsync();
        await harness.RegisterSourceAsync(services: 2, perService: 2);
        var daemon = harness.StartDaemon(standby: false);
        await daemon.FullRunAsync();

        await harness.DeregisterSourceAsync("svc-0", "10.1.0.0");
        await harness.DeregisterSourceAsync("svc-1", "10.1.1.0");
        await harness.DeregisterSourceAsync("svc-1", "10.1.1.1");
        var run = await daemon.FullRunAsync();

        Assert.Multiple(async () =>
        {
            Assert.That(run.Succeeded, Is.True, string.Join("; ", run.Errors.Select(e => e.Message)));
            Assert.That(run.Removed, Is.EqualTo(3));
            Assert.That((await harness.TargetAsync("svc-0")).Hosts, Is.EqualTo(new[] { "10.1.0.1:8080" }), "the batch was sent again without the removed replica");
            Assert.That((await harness.TargetAsync("svc-1")).Hosts, Is.Empty, "the last replica went with a deregister");
        });
    }

    [Test]
    public async Task After_the_target_drops_the_connection_every_service_is_registered_again_and_nothing_is_lost()
    {
        const int services = 40;
        await using var harness = await ConnectionHoldingHarness.StartAsync();
        await harness.RegisterSourceAsync(services, perService: 3);
        var daemon = harness.StartDaemon(standby: false);
        var run = await daemon.FullRunAsync();
        Assert.That(await harness.TargetCountAsync(services), Is.EqualTo(services * 3), string.Join("; ", run.Errors.Select(e => e.Message)));

        var dropped = harness.Target.Nodes[0].ConnectionFaults.DropAllConnections();
        var restored = Stopwatch.StartNew();
        var count = 0;
        while (restored.Elapsed < TimeSpan.FromSeconds(30) && (count = await harness.TargetCountAsync(services)) < services * 3)
        {
            await Task.Delay(200);
        }

        Assert.Multiple(() =>
        {
            Assert.That(dropped, Is.GreaterThanOrEqualTo(1), "the daemon's connection was dropped");
            Assert.That(count, Is.EqualTo(services * 3), "every replica is back, registered on the new connection without a run");
            Assert.That(daemon.Keeper.Holder.Reregistrations, Is.GreaterThanOrEqualTo(1), "the Reconnected event made the holder send everything again");
            Assert.That(harness.Target.BeatCount, Is.Zero);
        });
    }

    [Test]
    public async Task When_the_owner_dies_its_standby_keeps_every_replica_in_the_target_and_takes_the_task_over()
    {
        const int services = 10;
        await using var harness = await ConnectionHoldingHarness.StartAsync();
        await harness.RegisterSourceAsync(services, perService: 5);
        var owner = harness.StartDaemon(standby: true);
        var standby = harness.StartDaemon(standby: true);
        await owner.Keeper.RestoreTaskAsync(ConnectionHoldingHarness.Task, spread: null, CancellationToken.None); // owner's takeover (empty store)
        var run = await owner.FullRunAsync();
        Assert.That(run.Succeeded, Is.True, string.Join("; ", run.Errors.Select(e => e.Message)));
        await standby.Keeper.MirrorStandbyAsync(CancellationToken.None);
        var (beforeHosts, _) = await harness.TargetAsync("svc-3");

        await owner.DisposeAsync(); // its connection closes: the target removes everything it held at once
        var fewest = int.MaxValue;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(3))
        {
            fewest = Math.Min(fewest, await harness.TargetCountAsync(services));
            await Task.Delay(100);
        }

        await standby.Keeper.RestoreTaskAsync(ConnectionHoldingHarness.Task, spread: null, CancellationToken.None);
        var takeover = await standby.FullRunAsync();
        var after = await harness.TargetCountAsync(services);
        var (afterHosts, _) = await harness.TargetAsync("svc-3");

        Assert.Multiple(() =>
        {
            Assert.That(beforeHosts, Has.Count.EqualTo(5), "owner and standby publish equal instances: a consumer sees each once (ServiceStorage merges by Instance.equals)");
            Assert.That(fewest, Is.EqualTo(services * 5), "no replica disappeared when the owner's connection dropped");
            Assert.That(takeover.Succeeded, Is.True, string.Join("; ", takeover.Errors.Select(e => e.Message)));
            Assert.That(takeover.Added + takeover.Removed + takeover.Updated, Is.Zero, "the new owner's full run finds nothing to repair");
            Assert.That(after, Is.EqualTo(services * 5));
            Assert.That(afterHosts, Is.EqualTo(beforeHosts));
        });
    }
}
