using System.Diagnostics;
using NacosSync.Core.Options;

namespace NacosSync.IntegrationTests.HighAvailability;

/// <summary>
/// Two <c>nacos-sync run</c> processes, one task keeping 2,000 ephemeral replicas alive in the target. The owner
/// is killed with SIGKILL while the target is polled every 500 ms; later it is started again. Outcomes only (the
/// takeover's duration is measured by <see cref="TakeoverMeasurement"/>): the bound asserted is the one the
/// options validator holds the heartbeat timeout to, so it is as generous as the design allows.
/// </summary>
[TestFixture]
internal sealed class TwoDaemonKillTests
{
    private const int Replicas = 2000;
    private const string Service = "payments";
    private static readonly HighAvailabilityOptions Ha = new();
    private static readonly ReplicaHeartbeatOptions Heartbeat = new();

    /// <summary>Each replica's last beat may be a beat interval old at the kill, and a first beat may fail once: what the heartbeat timeout is held above.</summary>
    private static readonly TimeSpan TakeoverBound = Ha.LeaseDuration + Ha.LeaseRenewInterval + (Heartbeat.Interval * 2);

    [Test]
    public async Task After_a_kill_the_standby_keeps_every_replica_alive_and_the_restarted_replica_stands_by_without_registering_them_again()
    {
        await using var rig = await TwoReplicaRig.StartAsync("twokill", countRegistrations: true);
        await rig.RegisterInSourceAsync(Service, Replicas, subnet: 3);
        var settings = rig.Settings(new Dictionary<string, object> { ["t"] = TwoReplicaRig.NamingTask(Service, "0 0 0 1 1 ? 2099") });
        var proxy = rig.Proxy!;

        await using var first = DaemonProcess.Start("r1", settings);
        await TwoReplicaRig.WaitAsync(async () => await first.OwnsAsync("t") == true, TimeSpan.FromSeconds(60), "r1 owns the task", first);
        await TwoReplicaRig.WaitAsync(async () => await rig.TargetCountAsync(Service) == (Replicas, Replicas), TimeSpan.FromSeconds(120),
            $"{Replicas} healthy replicas in the target", first);
        await using var second = DaemonProcess.Start("r2", settings);
        await TwoReplicaRig.WaitAsync(async () => await second.OwnsAsync("t") == false && await rig.LiveReplicasAsync() == 2, TimeSpan.FromSeconds(60),
            "r2 runs as a standby", first, second);
        await TwoReplicaRig.WaitAsync(async () => await first.CounterAsync("nacossync_heartbeats_total", ("outcome", "ok")) >= Replicas, TimeSpan.FromSeconds(60),
            "r1 has beaten every replica once (steady state)", first);

        using var stopPolling = new CancellationTokenSource();
        var poller = TargetPoller.RunAsync(rig, Service, Replicas, stopPolling.Token);
        proxy.Reset();
        var killedAt = Stopwatch.StartNew();
        await first.KillAsync();
        await TwoReplicaRig.WaitAsync(async () => await second.OwnsAsync("t") == true, TimeSpan.FromSeconds(90), "r2 takes the task over", second);
        var tookOver = killedAt.Elapsed;
        await TwoReplicaRig.WaitAsync(async () => await second.CounterAsync("nacossync_heartbeats_total", ("outcome", "ok")) >= 2 * Replicas,
            TimeSpan.FromSeconds(90), "r2 has beaten every replica twice", second);
        var registeredInTakeover = proxy.Registrations;

        // The killed replica comes back (a restarted pod: same name, new instance id).
        proxy.Reset();
        first.Restart();
        await TwoReplicaRig.WaitAsync(async () => await first.OwnsAsync("t") == false && await rig.LiveReplicasAsync() == 2, TimeSpan.FromSeconds(60),
            "the restarted r1 runs as a standby", first, second);
        var beatsAtRestart = await second.CounterAsync("nacossync_heartbeats_total", ("outcome", "ok"));
        await TwoReplicaRig.WaitAsync(async () => await second.CounterAsync("nacossync_heartbeats_total", ("outcome", "ok")) >= beatsAtRestart + (2 * Replicas),
            TimeSpan.FromSeconds(90), "r2 has beaten every replica twice more with r1 back", second);
        var registeredAfterRestart = proxy.Registrations;
        var restarted = await first.ScrapeRequiredAsync();
        var survivor = await second.ScrapeRequiredAsync();
        var token = await rig.LeaseTokenAsync("t");
        await stopPolling.CancelAsync();
        var seen = await poller;

        Assert.Multiple(() =>
        {
            Assert.That(tookOver, Is.LessThanOrEqualTo(TakeoverBound),
                "the survivor owns the task within LeaseDuration + LeaseRenewInterval + two beat intervals of the kill");
            Assert.That(seen.Polls, Is.GreaterThanOrEqualTo(10), "the target was polled throughout");
            Assert.That(seen.FewestPresent, Is.EqualTo(Replicas), $"no replica ever disappeared from the target ({seen.FirstDip})");
            Assert.That(seen.FewestHealthy, Is.EqualTo(Replicas), $"no replica ever turned unhealthy ({seen.FirstDip})");
            Assert.That(token, Is.EqualTo(2), "the task changed hands once (the kill); the restart took nothing");
            Assert.That(registeredInTakeover, Is.LessThan(Replicas / 100), "the takeover beats the replicas it restored; it does not register them again");
            Assert.That(registeredAfterRestart, Is.LessThan(Replicas / 100), "no re-registration storm when the killed replica returns (near zero, not 2,000)");
            Assert.That(DaemonProcess.Sum(restarted, "nacossync_task_owner", ("task", "t")), Is.Zero, "the restarted replica is a standby");
            Assert.That(DaemonProcess.Sum(restarted, "nacossync_sync_runs_total"), Is.Zero, "the standby runs nothing: no work is done twice");
            Assert.That(DaemonProcess.Sum(restarted, "nacossync_heartbeats_total"), Is.Zero, "the standby beats nothing");
            Assert.That(DaemonProcess.Sum(survivor, "nacossync_sync_runs_total", ("mode", "full")), Is.EqualTo(1),
                "the survivor ran one full run, for its takeover; the restart did not cause another");
        });
    }
}

/// <summary>Reads the target every 500 ms until cancelled and keeps the worst it saw, and when it first saw fewer than expected.</summary>
internal static class TargetPoller
{
    public sealed record Seen(int Polls, int FewestPresent, int FewestHealthy, string FirstDip);

    public static async Task<Seen> RunAsync(TwoReplicaRig rig, string service, int expected, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var (polls, present, healthy, dip) = (0, int.MaxValue, int.MaxValue, "none");
        while (!cancellationToken.IsCancellationRequested)
        {
            var (total, up) = await rig.TargetCountAsync(service);
            polls++;
            if ((total < expected || up < expected) && dip == "none")
            {
                dip = $"first dip at {clock.Elapsed.TotalSeconds:0.0} s: {total} present, {up} healthy";
            }

            (present, healthy) = (Math.Min(present, total), Math.Min(healthy, up));
            try
            {
                await Task.Delay(500, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return new Seen(polls, present, healthy, dip);
    }
}
