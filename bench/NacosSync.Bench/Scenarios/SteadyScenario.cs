using System.Diagnostics;
using NacosSync.Bench.Measure;
using NacosSync.Bench.Report;
using NacosSync.Bench.Setup;
using NacosSync.Core.Config;

namespace NacosSync.Bench.Scenarios;

/// <summary>
/// 50 instance changes/s and 50 config changes/s on the source, each timed from just before its source write to the
/// first moment the target serves it (instance: its weight in the target's list; config: its md5 on every target node),
/// watched by <see cref="ChangeWatch"/>. A change not seen within 60 s is counted lost, not timed.
/// </summary>
internal static class SteadyScenario
{
    private const int Rate = 50;

    public static async Task RunAsync(BenchEnvironment env, TargetState state, BenchResults results, CancellationToken ct)
    {
        var w = state.Workload;
        var count = (int)(env.Arguments.Steady.TotalSeconds * Rate);
        if (count > w.Configs || count > w.Instances)
        {
            throw new ArgumentException($"--steady-seconds {env.Arguments.Steady.TotalSeconds}: {count} changes would touch a key twice; at most {Math.Min(w.Configs, w.Instances) / Rate} s for workload {w.Name}");
        }

        var random = new Random(7);
        var contents = Enumerable.Range(0, count).Select(i => Seeder.Content(random, w.ConfigBytes, 100_000 + i)).ToArray();
        var watch = new ChangeWatch(env.Target);
        using var writingDone = new CancellationTokenSource();
        var watching = watch.RunAsync(writingDone.Token, ct);
        var metricsBefore = await env.DaemonApi!.MetricsAsync(ct);
        var before = await Snapshot.TakeAsync(env, ct);
        var started = Stopwatch.StartNew();
        var writes = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / (double)Rate);
            if (due > started.Elapsed)
            {
                await Task.Delay(due - started.Elapsed, ct);
            }

            var n = (int)((long)i * 7919 % w.Instances);
            var instance = Seeder.Instance(w, n, 2 + i);
            state.SetWeight(n, instance.Weight);
            watch.ExpectInstance(instance, watch.Now);
            writes.Add(env.Source.RegisterAsync(instance, ephemeral: false, node: n, ct));
            var index = i % w.Configs;
            var config = state.Config(index) with { Md5 = ConfigMd5.Of(contents[i]) };
            state.SetConfig(index, config);
            watch.ExpectConfig(config, watch.Now);
            writes.Add(env.Source.PublishConfigAsync(config.Tenant, config.Group, config.DataId, contents[i], ct));
        }

        await Task.WhenAll(writes);
        var writing = started.Elapsed;
        await writingDone.CancelAsync();
        await watching;
        var after = await Snapshot.TakeAsync(env, ct);
        var metricsAfter = await env.DaemonApi!.MetricsAsync(ct);
        var daemonRuns = DaemonRuns(metricsBefore, metricsAfter);
        var instanceLatencies = watch.InstanceLatencies;
        var configLatencies = watch.ConfigLatencies;
        var lost = new Dictionary<string, int> { ["instance"] = watch.LostInstances, ["config"] = watch.LostConfigs };
        var instances = LatencySummary.Of(instanceLatencies);
        var configs = LatencySummary.Of(configLatencies);
        results.Latencies["instance"] = [.. instanceLatencies];
        results.Latencies["config"] = [.. configLatencies];
        results.Details["steady"] = new
        {
            changesPerKind = count,
            writeSeconds = writing.TotalSeconds,
            instances,
            configs,
            lost,
            pollTickSeconds = ChangeWatch.Tick.TotalSeconds,
            worstInstancePollGapSeconds = watch.WorstInstancePollGap.TotalSeconds,
            daemonCpuPercent = after.DaemonCpuPercent(before),
            daemonRuns,
            targetRequests = after.Target.Since(before.Target).Top(12),
        };
        BenchEnvironment.Log($"steady: instances {instances}, configs {configs}, lost {string.Join(", ", lost.Select(l => $"{l.Key} {l.Value}"))}");
        foreach (var run in daemonRuns)
        {
            BenchEnvironment.Log($"steady: daemon {run.Kind} incremental runs {run.Runs:0}, mean {run.MeanRunSeconds:0.000} s, ≥ 1 s: {run.RunsOver1s:0}; "
                + $"its own change latency (source push or history row → applied and proven) mean {run.MeanChangeLatencySeconds:0.000} s, over 1 s: {run.ChangesOver1s:0} of {run.Changes:0}");
        }

        foreach (var (kind, s) in new[] { ("instance", instances), ("config (every node)", configs) })
        {
            var bound = kind == "instance"
                ? "source push (gRPC subscription) → run after 50 ms → per changed service a source list and the source and target catalog reads → batch register; the watch polls ≤ 20 pending services per 100 ms (its resolution)"
                : "source push (gRPC listen) → history read → publish through the target's API (≤ Config:PublishUpTo changes; else rows + localCache) → proof on every node (batch listen)";
            results.Add(new Figure("steady", $"{kind} change latency p50", s.P50, "s", "–", null, bound));
            results.Add(new Figure("steady", $"{kind} change latency p90", s.P90, "s", "–", null, bound));
            results.Add(new Figure("steady", $"{kind} change latency p99", s.P99, "s", "≤ 1 s", s.Count > 0 ? s.P99 <= 1 : null, bound));
            results.Add(new Figure("steady", $"{kind} change latency max", s.Max, "s", "–", null, bound));
        }

        foreach (var run in daemonRuns)
        {
            results.Add(new Figure("steady", $"daemon's {run.Kind} incremental runs (count; mean duration, /metrics)", run.MeanRunSeconds, "s", "–", null,
                $"{run.Runs:0} runs, {run.RunsOver1s:0} of them ≥ 1 s; the daemon's own change latency mean {run.MeanChangeLatencySeconds:0.000} s, {run.ChangesOver1s:0} of {run.Changes:0} over 1 s"
                + (run.Kind == "config" ? " (config counts too the keys an earlier run left unproven, when proven, timed from that run's write)" : "")));
        }

        results.Add(new Figure("steady", "changes not visible within 60 s", lost.Values.Sum(), "changes", "0", lost.Values.Sum() == 0, "–"));
    }

    private sealed record DaemonRunStats(string Kind, double Runs, double MeanRunSeconds, double RunsOver1s, double Changes, double MeanChangeLatencySeconds, double ChangesOver1s);

    /// <summary>
    /// The daemon's own view over the scenario, from its histograms (<c>nacossync_sync_run_duration_seconds</c> for incremental runs,
    /// <c>nacossync_sync_change_latency_seconds</c>): how many runs, how long, and how long each change took from the moment the
    /// daemon learnt of it. Beside the watch's figures it tells the daemon's time from the harness's polling resolution.
    /// </summary>
    private static List<DaemonRunStats> DaemonRuns(IReadOnlyList<PrometheusSample> before, IReadOnlyList<PrometheusSample> after)
    {
        double Delta(string name, params (string, string)[] match) => PrometheusText.Sum(after, name, match) - PrometheusText.Sum(before, name, match);
        var stats = new List<DaemonRunStats>();
        foreach (var kind in new[] { "naming", "config" })
        {
            const string Run = "nacossync_sync_run_duration_seconds";
            const string Change = "nacossync_sync_change_latency_seconds";
            var runs = Delta(Run + "_count", ("kind", kind), ("mode", "incremental"));
            var runSum = Delta(Run + "_sum", ("kind", kind), ("mode", "incremental"));
            var under1 = Delta(Run + "_bucket", ("kind", kind), ("mode", "incremental"), ("le", "1"));
            var changes = Delta(Change + "_count", ("kind", kind));
            var changeSum = Delta(Change + "_sum", ("kind", kind));
            var changesUnder1 = Delta(Change + "_bucket", ("kind", kind), ("le", "1"));
            stats.Add(new DaemonRunStats(kind, runs, runs > 0 ? runSum / runs : double.NaN, runs - under1, changes, changes > 0 ? changeSum / changes : double.NaN, changes - changesUnder1));
        }

        return stats;
    }
}
