using System.Globalization;

namespace NacosSync.IntegrationTests.HighAvailability;

/// <summary>
/// Two <c>nacos-sync run</c> processes on one state database and two sandbox clusters, two tasks: every firing
/// of a task's cron runs once across both processes, and the full run a task gets when it starts (or changes
/// hands) happens once per change of hands, not once per replica. r1 starts alone and takes both tasks; r2 joins
/// and is handed one. So each change of hands is known (the lease's fencing token) and so is each full run it
/// owes: runs are counted from both daemons' <c>nacossync_sync_runs_total</c>, summed and per daemon.
/// </summary>
[TestFixture]
internal sealed class TwoDaemonCronTests
{
    /// <summary>r1's start, r2's start and the handover of one task (with their full runs) happen inside this, before the first firing.</summary>
    private static readonly TimeSpan Lead = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Spacing = TimeSpan.FromSeconds(3);
    private const int Firings = 3;
    private static readonly string[] Tasks = ["t1", "t2"];

    [Test]
    public async Task Each_cron_firing_runs_once_across_two_daemons_and_a_task_gets_one_full_run_per_change_of_hands_not_per_replica()
    {
        await using var rig = await TwoReplicaRig.StartAsync("twocron", countRegistrations: false);
        await rig.RegisterInSourceAsync("payments", 10, subnet: 1);
        await rig.RegisterInSourceAsync("orders", 10, subnet: 2);
        var firings = Enumerable.Range(0, Firings).Select(i => DateTimeOffset.UtcNow + Lead + (Spacing * i)).ToList();
        var cron = CronFor(firings);
        var settings = rig.Settings(new Dictionary<string, object>
        {
            ["t1"] = TwoReplicaRig.NamingTask("payments", cron),
            ["t2"] = TwoReplicaRig.NamingTask("orders", cron),
        });

        // r1 alone: it takes both tasks and runs each one's start-up full run.
        await using var r1 = DaemonProcess.Start("r1", settings);
        await TwoReplicaRig.WaitAsync(async () => await OwnsAsync(r1, Tasks) && await FullRunsCaughtUpAsync(rig, [r1]),
            (firings[0] - DateTimeOffset.UtcNow) / 2, "r1 owns both tasks and has run each one's start-up full run", r1);

        // r2 joins: r1 hands it one task, whose new owner reconciles it with one full run.
        await using var r2 = DaemonProcess.Start("r2", settings);
        DaemonProcess[] daemons = [r1, r2];
        await TwoReplicaRig.WaitAsync(async () => await OwnsOneEachAsync(daemons) && await FullRunsCaughtUpAsync(rig, daemons),
            firings[0] - DateTimeOffset.UtcNow - TimeSpan.FromSeconds(1),
            "each daemon owns one task and each change of hands has had its full run, before the first cron firing", daemons);

        // Counted shortly before the first firing (a duplicate start-up run would have landed by now), from one scrape per daemon.
        await Task.Delay(Max(TimeSpan.Zero, firings[0] - DateTimeOffset.UtcNow - TimeSpan.FromSeconds(2)));
        var r1Metrics = await r1.ScrapeRequiredAsync();
        var r2Metrics = await r2.ScrapeRequiredAsync();
        var countedBeforeFirstFiring = DateTimeOffset.UtcNow < firings[0];
        var tokens = new Dictionary<string, long>();
        var atStart = new Dictionary<string, double>();
        var moved = "";
        double joinerRunsOfKept = 0;
        foreach (var task in Tasks)
        {
            tokens[task] = await rig.LeaseTokenAsync(task);
            var r2Runs = DaemonProcess.Sum(r2Metrics, "nacossync_sync_runs_total", ("task", task), ("mode", "full"));
            atStart[task] = DaemonProcess.Sum(r1Metrics, "nacossync_sync_runs_total", ("task", task), ("mode", "full")) + r2Runs;
            if (DaemonProcess.Sum(r2Metrics, "nacossync_task_owner", ("task", task), ("replica", r2.Name)) > 0)
            {
                moved = task;
            }
            else
            {
                joinerRunsOfKept = r2Runs;
            }
        }

        Assert.That(countedBeforeFirstFiring, Is.True, "the start-up runs were counted before the first firing (the machine is too slow for this test's lead)");

        // Every firing has run (generous deadline), then a little longer: a duplicate from the other scheduler or a forwarded copy would land now.
        await TwoReplicaRig.WaitAsync(async () =>
        {
            foreach (var task in Tasks)
            {
                if (await FullRunsAsync(daemons, task) < tokens[task] + Firings)
                {
                    return false;
                }
            }

            return true;
        }, firings[^1] - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30), $"{Firings} cron full runs of each task", daemons);
        await Task.Delay(TimeSpan.FromSeconds(4));

        Assert.Multiple(async () =>
        {
            foreach (var task in Tasks)
            {
                Assert.That(tokens[task], Is.EqualTo(task == moved ? 2 : 1), $"{task}: taken by r1{(task == moved ? ", then handed to r2" : "")}");
                Assert.That(await rig.LeaseTokenAsync(task), Is.EqualTo(tokens[task]), $"{task} did not change hands during the firings");
                Assert.That(atStart[task], Is.EqualTo(tokens[task]),
                    $"{task}: one full run per change of hands (token {tokens[task]}) before the firings; not a second one on the same owner, nor one per replica\n{Logs(daemons)}");
                Assert.That(await FullRunsAsync(daemons, task), Is.EqualTo(tokens[task] + Firings),
                    $"{task}: each of the {Firings} firings ({cron}) ran once across both daemons\n{Logs(daemons)}");
            }

            Assert.That(joinerRunsOfKept, Is.Zero, "r2 joining ran no start-up run of the task it does not own");
        });
    }

    /// <summary>
    /// A Quartz cron (UTC) whose firings from now on are exactly <paramref name="firings"/> for the next minute or so:
    /// the seconds and minutes are listed, so when the firings straddle a minute the cross product adds times
    /// about a minute before (already past: never fired) and a minute after (after the test has counted).
    /// </summary>
    internal static string CronFor(IReadOnlyList<DateTimeOffset> firings)
    {
        static string List(IEnumerable<int> values) => string.Join(",", values.Distinct().Order().Select(v => v.ToString(CultureInfo.InvariantCulture)));
        return $"{List(firings.Select(f => f.UtcDateTime.Second))} {List(firings.Select(f => f.UtcDateTime.Minute))} * * * ?";
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static async Task<bool> OwnsAsync(DaemonProcess daemon, IEnumerable<string> tasks)
    {
        foreach (var task in tasks)
        {
            if (await daemon.OwnsAsync(task) != true)
            {
                return false;
            }
        }

        return true;
    }

    private static string Logs(DaemonProcess[] daemons) => string.Join("\n", daemons.Select(d => $"--- {d.Name} ---\n{d.Tail(6000)}"));

    private static async Task<bool> OwnsOneEachAsync(DaemonProcess[] daemons)
    {
        foreach (var daemon in daemons)
        {
            var owned = 0;
            foreach (var task in Tasks)
            {
                owned += await daemon.OwnsAsync(task) == true ? 1 : 0;
            }

            if (owned != 1)
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<bool> FullRunsCaughtUpAsync(TwoReplicaRig rig, DaemonProcess[] daemons)
    {
        foreach (var task in Tasks)
        {
            var token = await rig.LeaseTokenAsync(task);
            if (token == 0 || await FullRunsAsync(daemons, task) < token)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Full runs of the task finished on either daemon (every outcome), summed.</summary>
    private static async Task<double> FullRunsAsync(DaemonProcess[] daemons, string task)
    {
        var sum = 0.0;
        foreach (var daemon in daemons)
        {
            sum += await daemon.CounterAsync("nacossync_sync_runs_total", ("task", task), ("mode", "full"));
        }

        return sum;
    }
}
