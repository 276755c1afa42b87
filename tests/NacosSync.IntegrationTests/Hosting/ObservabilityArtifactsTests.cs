using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using NacosSync.Core.Sync;
using NacosSync.Engine.Telemetry;
using NacosSync.Hosting.Metrics;
using NacosSync.IntegrationTests.Infrastructure;

namespace NacosSync.IntegrationTests.Hosting;

/// <summary>The alert rules and the dashboard shipped in config/ load, and name only metrics the daemon exports.</summary>
[TestFixture]
internal sealed partial class ObservabilityArtifactsTests
{
    private static string RulesPath => Path.Combine(RepositoryRoot.Path, "config", "prometheus", "nacos-sync-alerts.yaml");

    private static string DashboardPath => Path.Combine(RepositoryRoot.Path, "config", "grafana", "nacos-sync-dashboard.json");

    [Test]
    public async Task Promtool_accepts_the_alert_rules()
    {
        var (exitCode, output) = await Promtool.RunAsync("", "check", "rules", RulesPath);

        Assert.That(exitCode, Is.Zero, output);
    }

    [Test]
    public void The_chart_ships_the_same_alert_rules_as_config()
    {
        var chartCopy = Path.Combine(RepositoryRoot.Path, "charts", "nacos-sync", "files", "nacos-sync-alerts.yaml");

        Assert.That(File.ReadAllText(chartCopy), Is.EqualTo(File.ReadAllText(RulesPath)),
            "charts/nacos-sync/files/nacos-sync-alerts.yaml is a copy of config/prometheus/nacos-sync-alerts.yaml (Helm reads files inside the chart only); copy it again");
    }

    [Test]
    public async Task Every_metric_the_rules_and_dashboard_name_is_exported_and_the_scrape_is_promtool_clean()
    {
        var exported = await ScrapeAfterARichRunAsync();
        var (lintExit, lint) = await Promtool.RunAsync(exported, "check", "metrics");
        var exportedNames = MetricNameLine().Matches(exported).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        var referenced = new[] { RulesPath, DashboardPath }
            .SelectMany(path => MetricReference().Matches(File.ReadAllText(path)).Select(m => (File: Path.GetFileName(path), Name: m.Value)))
            .Distinct()
            .ToList();
        var missing = referenced.Where(r => !exportedNames.Contains(r.Name)).Select(r => $"{r.File}: {r.Name}").ToList();

        Assert.Multiple(() =>
        {
            Assert.That(lintExit, Is.Zero, "promtool check metrics:\n" + lint);
            Assert.That(referenced, Has.Count.GreaterThan(8), "the artifacts reference the product's metrics");
            Assert.That(missing, Is.Empty, "names used by alerts or panels that /metrics does not export");
        });
    }

    [Test]
    public async Task Every_metric_in_the_README_reference_is_exported_with_its_type_and_labels()
    {
        var exported = await ScrapeAfterARichRunAsync();
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md"));
        var documented = ReadmeMetricRow().Matches(readme)
            .Select(m => (Name: m.Groups["name"].Value, Labels: m.Groups["labels"].Value, Type: m.Groups["type"].Value))
            .ToList();
        var types = TypeLine().Matches(exported).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);

        var wrong = new List<string>();
        foreach (var (name, labels, type) in documented)
        {
            if (!types.TryGetValue(name, out var exportedType))
            {
                wrong.Add($"{name}: not exported");
                continue;
            }

            if (exportedType != type)
            {
                wrong.Add($"{name}: exported as {exportedType}, documented as {type}");
            }

            var expected = labels.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal);
            var series = Regex.Matches(exported, "^" + Regex.Escape(name) + @"(?:_sum|_count)?(?:\{([^}]*)\})? ", RegexOptions.Multiline);
            foreach (Match line in series)
            {
                var actual = line.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=')[0]).Order(StringComparer.Ordinal);
                if (!actual.SequenceEqual(expected))
                {
                    wrong.Add($"{name}: series labelled {{{string.Join(",", actual)}}}, documented {{{labels}}}");
                    break;
                }
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(documented, Has.Count.GreaterThanOrEqualTo(15), "README's metrics reference lists the product's metrics");
            Assert.That(wrong, Is.Empty, "README's metrics reference must match what /metrics exports");
        });
    }

    /// <summary>
    /// The daemon's own /metrics, over HTTP, after a run that moved every counter, a heartbeat and a
    /// canary. With <c>NACOSSYNC_METRICS_CAPTURE</c> set to a path the text is also written there
    /// (docs/metrics.md compares two such captures).
    /// </summary>
    private static async Task<string> ScrapeAfterARichRunAsync()
    {
        var state = await MariaDbServer.CreateDatabaseAsync("artifacts");
        await using var daemon = await TestDaemon.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:a:ServerAddresses:0"] = "127.0.0.1:1",
            ["Clusters:a:Database:ConnectionString"] = "Server=127.0.0.1;Port=1;Database=a",
            ["Clusters:b:ServerAddresses:0"] = "127.0.0.1:2",
            ["Clusters:b:Database:ConnectionString"] = "Server=127.0.0.1;Port=2;Database=b",
            ["Tasks:t:Source"] = "a",
            ["Tasks:t:Target"] = "b",
            ["Tasks:t:Canary:Enabled"] = "true",
            ["Tasks:t:Schedule:FullCron"] = "0 0 0 1 1 ? 2099",
            ["Tasks:t:Schedule:IncrementalInterval"] = "00:10:00",
            ["State:Database:ConnectionString"] = DaemonHostTests.StateConnectionString(state),
        });
        var services = daemon.App.Services;
        // One kept replica, so the keeper's per-task series (overdue beats) exist; its beats fail (no cluster there), which changes none of them.
        services.GetRequiredService<NacosSync.Engine.Naming.ReplicaKeeper>().Track("t", "b", new NacosSync.Core.Naming.NamingInstance(
            new NacosSync.Core.Naming.InstanceKey(new NacosSync.Core.Naming.ServiceKey("public", "DEFAULT_GROUP", "orders"), "DEFAULT", "10.0.0.1", 8080),
            1, Enabled: true, Healthy: true, Ephemeral: true, new Dictionary<string, string>(StringComparer.Ordinal)));
        services.GetRequiredService<NacosSync.Engine.Canary.CanaryService>().RecordVisible("t", SyncKind.Naming, TimeSpan.FromSeconds(0.4));
        services.GetRequiredService<SyncRunMetrics>().Record(new SyncRunResult
        {
            TaskName = "t",
            Kind = SyncKind.Config,
            Mode = SyncMode.Full,
            Added = 3,
            Updated = 2,
            Removed = 1,
            Refused = 4,
            Failed = 1,
            Drift = 6,
            GuardTripped = "would remove 40 % of 10 replicas; the cap is 20 %",
            Errors = [new SyncError(SyncStage.Verify, "node 2 still serves the old md5", "DEFAULT_GROUP/app.yaml")],
            ChangeLatencies = [0.3, 0.8],
            Duration = TimeSpan.FromSeconds(2),
        });
        services.GetRequiredService<SyncRunMetrics>().Record(new SyncRunResult { TaskName = "t", Kind = SyncKind.Config, Mode = SyncMode.Incremental, Duration = TimeSpan.FromSeconds(0.1) });
        services.GetRequiredService<SyncMetrics>().HeartbeatsSent.Add(5, new KeyValuePair<string, object?>("task", "t"), new KeyValuePair<string, object?>("outcome", "ok"));
        var text = await daemon.ScrapeAsync();
        await daemon.StopAsync();
        if (Environment.GetEnvironmentVariable("NACOSSYNC_METRICS_CAPTURE") is { Length: > 0 } capture)
        {
            await File.WriteAllTextAsync(capture, text);
        }

        return text;
    }

    [GeneratedRegex(@"^\| `(?<name>nacossync_[a-z0-9_]+)(?:\{(?<labels>[a-z,]*)\})?` \| (?<type>counter|gauge|histogram) \|", RegexOptions.Multiline)]
    private static partial Regex ReadmeMetricRow();

    [GeneratedRegex(@"^# TYPE (\S+) (\S+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^(nacossync_[a-z0-9_]+?)(?:_bucket|_sum|_count)?(?:\{| )", RegexOptions.Multiline)]
    private static partial Regex MetricNameLine();

    // A histogram is referenced through its _bucket series; the family name is what /metrics lists.
    [GeneratedRegex(@"nacossync_[a-z0-9_]+?(?=_bucket\b|[^a-z0-9_])")]
    private static partial Regex MetricReference();
}
