using System.Diagnostics;
using System.Globalization;
using NacosSync.Core.Options;

namespace NacosSync.IntegrationTests.HighAvailability;

/// <summary>
/// The takeover benchmark: two <c>nacos-sync run</c> processes on one state database and two sandbox clusters, one
/// task keeping the replicas alive; the owner is SIGKILLed, the survivor takes over, the killed one is started
/// again and becomes the standby, and the next kill hits the new owner: <c>kills</c> times. Prints, per kill, how
/// long the lease still had to run, when the survivor owned the task and when it had beaten every replica, then
/// the median and maximum, and what the target showed (polled every 500 ms). Run on demand (bench/ha/takeover.sh
/// wraps it):
/// <code>
/// dotnet test tests/NacosSync.IntegrationTests -c Release --filter FullyQualifiedName~TakeoverMeasurement \
///   -- 'TestRunParameters.Parameter(name="kills", value="5")' 'TestRunParameters.Parameter(name="replicas", value="2000")' \
///      'TestRunParameters.Parameter(name="set", value="Tasks:t:Naming:ReplicaHolding=Connection")'
/// </code>
/// <c>set</c> is <c>KEY=VALUE</c> pairs separated by <c>;</c>, given to both daemons as <c>NACOSSYNC__</c>
/// environment variables (also read from <c>$NACOSSYNC_BENCH_SET</c>); nothing set = the defaults (Heartbeat).
/// </summary>
[TestFixture]
[Explicit("benchmark (about 3 minutes); run with --filter FullyQualifiedName~TakeoverMeasurement or bench/ha/takeover.sh")]
internal sealed class TakeoverMeasurement
{
    private const string Service = "payments";

    [Test]
    public async Task Handover_time_over_repeated_kills_of_the_owner()
    {
        var kills = int.Parse(TestContext.Parameters.Get("kills", "5"), CultureInfo.InvariantCulture);
        var replicas = int.Parse(TestContext.Parameters.Get("replicas", "2000"), CultureInfo.InvariantCulture);
        var overrides = ParseSet(TestContext.Parameters.Get("set", Environment.GetEnvironmentVariable("NACOSSYNC_BENCH_SET") ?? ""));
        var holding = overrides.GetValueOrDefault("Tasks:t:Naming:ReplicaHolding", "Heartbeat (default)");

        await using var rig = await TwoReplicaRig.StartAsync("takeover", countRegistrations: false);
        await rig.RegisterInSourceAsync(Service, replicas, subnet: 3);
        var settings = rig.Settings(new Dictionary<string, object> { ["t"] = TwoReplicaRig.NamingTask(Service, "0 0 0 1 1 ? 2099") });
        await using var r1 = DaemonProcess.Start("r1", settings, overrides);
        await TwoReplicaRig.WaitAsync(async () => await r1.OwnsAsync("t") == true, TimeSpan.FromSeconds(60), "r1 owns the task", r1);
        await TwoReplicaRig.WaitAsync(async () => await rig.TargetCountAsync(Service) == (replicas, replicas), TimeSpan.FromSeconds(180), "the replicas reach the target", r1);
        await using var r2 = DaemonProcess.Start("r2", settings, overrides);

        using var stopPolling = new CancellationTokenSource();
        var poller = TargetPoller.RunAsync(rig, Service, replicas, stopPolling.Token);
        var (owner, standby) = (r1, r2);
        var rows = new List<(double LeaseLeft, double Owned, double Beaten)>();
        for (var kill = 1; kill <= kills; kill++)
        {
            // Steady state: the standby is up and announced (the killed process's announcement has lapsed), and the owner has beaten every replica.
            await TwoReplicaRig.WaitAsync(async () => await standby.OwnsAsync("t") == false && await OneEachAsync(rig, owner, standby), TimeSpan.FromSeconds(60),
                $"{standby.Name} stands by", owner, standby);
            await TwoReplicaRig.WaitAsync(async () => await owner.CounterAsync("nacossync_heartbeats_total", ("outcome", "ok")) >= replicas,
                TimeSpan.FromSeconds(60), $"{owner.Name} beats every replica", owner);

            var leaseLeft = await rig.LeaseRemainingSecondsAsync("t");
            var clock = Stopwatch.StartNew();
            await owner.KillAsync();
            await WaitFastAsync(async () => await standby.OwnsAsync("t") == true, TimeSpan.FromSeconds(90), $"{standby.Name} takes over");
            var owned = clock.Elapsed.TotalSeconds;
            await WaitFastAsync(async () => await standby.CounterAsync("nacossync_heartbeats_total", ("outcome", "ok")) >= replicas, TimeSpan.FromSeconds(90),
                $"{standby.Name} beats every replica");
            var beaten = clock.Elapsed.TotalSeconds;
            rows.Add((leaseLeft, owned, beaten));
            await TestContext.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"kill {kill}: {owner.Name} killed with {leaseLeft:0.0} s left on its lease; {standby.Name} owned the task after {owned:0.0} s, had beaten all {replicas} replicas after {beaten:0.0} s"));

            owner.Restart(overrides);
            (owner, standby) = (standby, owner);
        }

        await stopPolling.CancelAsync();
        var seen = await poller;
        var ha = new HighAvailabilityOptions();
        await TestContext.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"""
            takeover, replica holding {holding}, {replicas} replicas, {kills} kills ({Environment.ProcessorCount} cores):
              survivor owns the task after SIGKILL:  median {Median(rows.Select(r => r.Owned)):0.0} s, max {rows.Max(r => r.Owned):0.0} s
              survivor has beaten every replica:     median {Median(rows.Select(r => r.Beaten)):0.0} s, max {rows.Max(r => r.Beaten):0.0} s
              lease left at the kill:                median {Median(rows.Select(r => r.LeaseLeft)):0.0} s (the last renewal was at most {ha.LeaseRenewInterval.TotalSeconds:0} s before the kill)
              target over {seen.Polls} polls (500 ms): at least {seen.FewestPresent} present, at least {seen.FewestHealthy} healthy ({seen.FirstDip})
            bound: lease left at the kill (at most LeaseDuration {ha.LeaseDuration.TotalSeconds:0} s) + until the standby's next ownership round
              (at most LeaseRenewInterval {ha.LeaseRenewInterval.TotalSeconds:0} s) + restoring the replicas and beating them (spread over 1 s);
              Quartz's check-in ({ha.CheckinInterval.TotalSeconds:0} s, dead after twice that) only delays recovering a full run the owner was in, not the takeover.
            """));
        Assert.Multiple(() =>
        {
            Assert.That(rows, Has.Count.EqualTo(kills), "every kill was taken over");
            Assert.That(seen.FewestPresent, Is.EqualTo(replicas), "no replica disappeared from the target");
        });
    }

    internal static Dictionary<string, string> ParseSet(string pairs)
    {
        var parsed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = pair.IndexOf('=', StringComparison.Ordinal);
            if (at <= 0)
            {
                throw new ArgumentException($"set: '{pair}' is not KEY=VALUE (e.g. Tasks:t:Naming:ReplicaHolding=Connection)");
            }

            parsed[pair[..at]] = pair[(at + 1)..];
        }

        return parsed;
    }

    private static async Task<bool> OneEachAsync(TwoReplicaRig rig, params DaemonProcess[] daemons)
    {
        var members = await rig.LiveMembersAsync();
        return members.Count == daemons.Length && daemons.All(d => members.Count(m => m.StartsWith(d.Name + "-", StringComparison.Ordinal)) == 1);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Polls every 100 ms: the measured times are no coarser than that.</summary>
    private static async Task WaitFastAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            if (waited.Elapsed > timeout)
            {
                Assert.Fail($"not reached within {timeout}: {what}");
            }

            await Task.Delay(100);
        }
    }
}
