using System.Globalization;
using System.Text.RegularExpressions;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Observability;

/// <summary>
/// A scripted scenario against the real daemon, two sandbox clusters and /metrics: each metric
/// moves as the README defines it. Lag rises while the target is down and returns to 0; the canary
/// measures; hand-made drift is counted and repaired; a mass removal trips the guard counter.
/// </summary>
[TestFixture]
internal sealed partial class MetricsScenarioTests
{
    private const string TaskName = "m";

    [Test]
    public async Task Lag_canary_drift_and_guard_metrics_move_as_defined()
    {
        var state = await MariaDbServer.CreateDatabaseAsync("metrics");
        await using var source = await SandboxCluster.StartAsync(new SandboxClusterOptions { Nodes = 1 }, CancellationToken.None);
        await using var target = await SandboxCluster.StartAsync(new SandboxClusterOptions { Nodes = 2 }, CancellationToken.None);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (var i = 1; i <= 5; i++)
        {
            await RegisterAsync(http, source.Nodes[0].BaseAddress, "orders", $"10.1.0.{i}", weight: 1);
        }

        var settings = new Dictionary<string, string?>
        {
            ["Clusters:src:ServerAddresses:0"] = source.ServerAddresses[0],
            ["Clusters:dst:ServerAddresses:0"] = target.ServerAddresses[0],
            ["Clusters:dst:ServerAddresses:1"] = target.ServerAddresses[1],
            [$"Tasks:{TaskName}:Source"] = "src",
            [$"Tasks:{TaskName}:Target"] = "dst",
            [$"Tasks:{TaskName}:Config:Enabled"] = "false",
            [$"Tasks:{TaskName}:Schedule:FullCron"] = "0/2 * * * * ?",
            [$"Tasks:{TaskName}:Schedule:IncrementalInterval"] = "00:00:00.200",
            [$"Tasks:{TaskName}:Guards:DeletionAllowance"] = "0",
            [$"Tasks:{TaskName}:Guards:MaxDeletionRatio"] = "0.2",
            [$"Tasks:{TaskName}:Guards:RemovalGrace"] = "00:00:01", // removals wait 1 s, not 15 s, so the trip below comes within the scenario's budget
            [$"Tasks:{TaskName}:Canary:Enabled"] = "true",
            [$"Tasks:{TaskName}:Canary:Interval"] = "00:00:01",
            ["State:Database:ConnectionString"] = Hosting.DaemonHostTests.StateConnectionString(state),
        };
        await using var daemon = await TestDaemon.StartAsync(settings);
        var scraper = daemon.Http;

        // 1. Converged: replicas in the target, lag 0, the canary measured.
        await EventuallyAsync(async () => await TargetCountAsync(http, target, "orders") == 5 && Value(await ScrapeAsync(scraper), Lag) == 0, "initial copy and lag 0");
        await EventuallyAsync(async () => Value(await ScrapeAsync(scraper), CanaryCount) >= 1, "the canary measured a latency");

        // 2. Target down: a source change cannot be applied; lag and canary lag rise.
        foreach (var node in target.Nodes)
        {
            node.Faults.Mode = FaultMode.ServerError;
        }

        await RegisterAsync(http, source.Nodes[0].BaseAddress, "orders", "10.1.0.6", weight: 1);
        await EventuallyAsync(async () => Value(await ScrapeAsync(scraper), Lag) >= 2, "lag rises while the target is down");
        var whileDown = await ScrapeAsync(scraper);

        // 3. Target back: lag returns to 0 and the change is there.
        foreach (var node in target.Nodes)
        {
            node.Faults.Clear();
        }

        await EventuallyAsync(async () => await TargetCountAsync(http, target, "orders") == 6 && Value(await ScrapeAsync(scraper), Lag) == 0, "lag back to 0 after the target returns");
        await EventuallyAsync(async () => Value(await ScrapeAsync(scraper), CanaryLag) == 0, "canary lag back to 0");

        // 4. Drift made by hand in the target is counted by the next full run, then repaired.
        var updatedBefore = Value(await ScrapeAsync(scraper), Updated);
        await RegisterAsync(http, target.Nodes[0].BaseAddress, "orders", "10.1.0.1", weight: 7, keepSyncMetadata: true, task: TaskName, origin: "src");
        double driftSeen = 0;
        await EventuallyAsync(async () =>
        {
            var text = await ScrapeAsync(scraper);
            driftSeen = Math.Max(driftSeen, Value(text, Drift));
            return driftSeen >= 1 && Value(text, Updated) > updatedBefore;
        }, "drift counted and repaired");

        // 5. Removing most of the source at once trips the guard: nothing removed, the counter moves.
        for (var i = 1; i <= 5; i++)
        {
            await DeregisterAsync(http, source.Nodes[0].BaseAddress, "orders", $"10.1.0.{i}");
        }

        await EventuallyAsync(async () => Value(await ScrapeAsync(scraper), GuardTrips) >= 1, "the guard counter moves");
        var guardedCount = await TargetCountAsync(http, target, "orders");
        var final = await ScrapeAsync(scraper);
        await daemon.StopAsync();

        Assert.Multiple(() =>
        {
            Assert.That(Value(whileDown, ErrorsAny), Is.GreaterThan(0), "errors are counted by stage while the target is down");
            Assert.That(Value(whileDown, CanaryLag), Is.GreaterThan(0), "the canary lag rises while the target is down");
            Assert.That(guardedCount, Is.EqualTo(6), "a tripped guard removes nothing");
            Assert.That(Value(final, Refused), Is.GreaterThanOrEqualTo(5), "the held-back removals are counted as refused");
        });
    }

    private static readonly string Lag = $"nacossync_sync_lag_seconds{{kind=\"naming\",task=\"{TaskName}\"}}";
    private static readonly string CanaryLag = $"nacossync_canary_lag_seconds{{kind=\"naming\",task=\"{TaskName}\"}}";
    private static readonly string CanaryCount = $"nacossync_canary_latency_seconds_count{{kind=\"naming\",task=\"{TaskName}\"}}";
    private static readonly string Drift = $"nacossync_sync_drift{{kind=\"naming\",task=\"{TaskName}\"}}";
    private static readonly string Updated = $"nacossync_sync_objects_total{{action=\"updated\",kind=\"naming\",task=\"{TaskName}\"}}";
    private static readonly string Refused = $"nacossync_sync_objects_total{{action=\"refused\",kind=\"naming\",task=\"{TaskName}\"}}";
    private static readonly string GuardTrips = $"nacossync_sync_guard_trips_total{{kind=\"naming\",task=\"{TaskName}\"}}";
    private const string ErrorsAny = "nacossync_sync_errors_total";

    /// <summary>The value of a series (summed over series when only a family name is given); 0 when absent.</summary>
    private static double Value(string exposition, string series)
    {
        var family = !series.Contains('{', StringComparison.Ordinal);
        double sum = 0;
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            var name = line[..space];
            if (family ? name.StartsWith(series + "{", StringComparison.Ordinal) || name == series : name == series)
            {
                sum += double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }

    private static async Task<string> ScrapeAsync(HttpClient scraper) => await scraper.GetStringAsync(new Uri("/metrics", UriKind.Relative));

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"not within 30 s: {what}");
            }

            await Task.Delay(100);
        }
    }

    private static async Task RegisterAsync(HttpClient http, Uri node, string service, string ip, double weight, bool keepSyncMetadata = false, string? task = null, string? origin = null)
    {
        var metadata = keepSyncMetadata ? $"{{\"nacos-sync.task\":\"{task}\",\"nacos-sync.origin-cluster\":\"{origin}\"}}" : "{}";
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["serviceName"] = service,
            ["ip"] = ip,
            ["port"] = "8080",
            ["weight"] = weight.ToString(CultureInfo.InvariantCulture),
            ["ephemeral"] = keepSyncMetadata ? "true" : "false",
            ["metadata"] = metadata,
        });
        using var response = await http.PostAsync(new Uri(node, "/nacos/v1/ns/instance"), form);
        response.EnsureSuccessStatusCode();
    }

    private static async Task DeregisterAsync(HttpClient http, Uri node, string service, string ip)
    {
        using var response = await http.DeleteAsync(new Uri(node, $"/nacos/v1/ns/instance?serviceName={service}&ip={ip}&port=8080&ephemeral=false"));
        response.EnsureSuccessStatusCode();
    }

    private static async Task<int> TargetCountAsync(HttpClient http, SandboxCluster target, string service)
    {
        var body = await http.GetStringAsync(new Uri(target.Nodes[0].BaseAddress, $"/nacos/v1/ns/instance/list?serviceName={service}&healthyOnly=false"));
        return HostIp().Count(body);
    }

    [GeneratedRegex("\"ip\":\"")]
    private static partial Regex HostIp();
}
