using System.Collections.Concurrent;
using System.Diagnostics;
using NacosSync.Bench.Measure;
using NacosSync.Bench.Report;
using NacosSync.Bench.Setup;
using NacosSync.Core.Config;

namespace NacosSync.Bench.Scenarios;

/// <summary>
/// 50 instance changes/s and 50 config changes/s on the source, each timed from just before its source write to the
/// first moment the target serves it (instance: its weight in the target's list; config: its md5 on every target node),
/// polled every 50 ms. A change not seen within 60 s is counted lost, not timed.
/// </summary>
internal static class SteadyScenario
{
    private const int Rate = 50;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(60);

    public static async Task RunAsync(BenchEnvironment env, TargetState state, BenchResults results, CancellationToken ct)
    {
        var w = state.Workload;
        var count = (int)(env.Arguments.Steady.TotalSeconds * Rate);
        if (count > w.Configs || count > w.Instances)
        {
            throw new ArgumentException($"--steady-seconds {env.Arguments.Steady.TotalSeconds}: {count} changes would touch a key twice; at most {Math.Min(w.Configs, w.Instances) / Rate} s for workload {w.Name}");
        }

        var instanceLatencies = new ConcurrentBag<double>();
        var configLatencies = new ConcurrentBag<double>();
        var lost = new ConcurrentDictionary<string, int>();
        var random = new Random(7);
        var contents = Enumerable.Range(0, count).Select(i => Seeder.Content(random, w.ConfigBytes, 100_000 + i)).ToArray();
        var before = await Snapshot.TakeAsync(env, ct);
        var started = Stopwatch.StartNew();
        var pending = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / (double)Rate);
            if (due > started.Elapsed)
            {
                await Task.Delay(due - started.Elapsed, ct);
            }

            var instance = (int)((long)i * 7919 % w.Instances);
            var weight = 2 + i;
            state.SetWeight(instance, weight);
            pending.Add(Timed(() => ChangeInstanceAsync(env, w, instance, weight, ct), instanceLatencies, lost, "instance"));
            var config = i % w.Configs;
            var old = state.Config(config);
            var changed = old with { Md5 = ConfigMd5.Of(contents[i]) };
            state.SetConfig(config, changed);
            pending.Add(Timed(() => ChangeConfigAsync(env, changed, contents[i], ct), configLatencies, lost, "config"));
        }

        var writing = started.Elapsed;
        await Task.WhenAll(pending);
        var after = await Snapshot.TakeAsync(env, ct);
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
            daemonCpuPercent = after.DaemonCpuPercent(before),
            targetRequests = after.Target.Since(before.Target).Top(12),
        };
        BenchEnvironment.Log($"steady: instances {instances}, configs {configs}, lost {string.Join(", ", lost.Select(l => $"{l.Key} {l.Value}"))}");
        foreach (var (kind, s) in new[] { ("instance", instances), ("config (every node)", configs) })
        {
            var bound = kind == "instance"
                ? "daemon's change feed (source push/poll) + incremental interval (1 s) + target write"
                : "daemon's change detection (DB poll, 1 s) + target write + cache refresh on every node";
            results.Add(new Figure("steady", $"{kind} change latency p50", s.P50, "s", "–", null, bound));
            results.Add(new Figure("steady", $"{kind} change latency p90", s.P90, "s", "–", null, bound));
            results.Add(new Figure("steady", $"{kind} change latency p99", s.P99, "s", "≤ 1 s", s.Count > 0 ? s.P99 <= 1 : null, bound));
            results.Add(new Figure("steady", $"{kind} change latency max", s.Max, "s", "–", null, bound));
        }

        results.Add(new Figure("steady", "changes not visible within 60 s", lost.Values.Sum(), "changes", "0", lost.Values.Sum() == 0, "–"));
    }

    private static async Task Timed(Func<Task<double?>> change, ConcurrentBag<double> latencies, ConcurrentDictionary<string, int> lost, string kind)
    {
        if (await change() is { } seconds)
        {
            latencies.Add(seconds);
        }
        else
        {
            lost.AddOrUpdate(kind, 1, (_, n) => n + 1);
        }
    }

    private static async Task<double?> ChangeInstanceAsync(BenchEnvironment env, Workload w, int n, double weight, CancellationToken ct)
    {
        var instance = Seeder.Instance(w, n, weight);
        var clock = Stopwatch.StartNew();
        await env.Source.RegisterAsync(instance, ephemeral: false, node: n, ct);
        while (clock.Elapsed < GiveUp)
        {
            var served = await env.Target.ListAsync(instance.Namespace, instance.Service, n, ct);
            if (served.Any(i => i.Ip == instance.Ip && i.Port == instance.Port && Math.Abs(i.Weight - weight) < 1e-9))
            {
                return clock.Elapsed.TotalSeconds;
            }

            await Task.Delay(Poll, ct);
        }

        return null;
    }

    private static async Task<double?> ChangeConfigAsync(BenchEnvironment env, SeededConfig config, string content, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await env.Source.PublishConfigAsync(config.Tenant, config.Group, config.DataId, content, ct);
        var seen = new bool[env.Target.Nodes.Count];
        while (clock.Elapsed < GiveUp)
        {
            for (var node = 0; node < seen.Length; node++)
            {
                seen[node] = seen[node] || await env.Target.ServedMd5Async(config.Tenant, config.Group, config.DataId, node, ct) == config.Md5;
            }

            if (seen.All(s => s))
            {
                return clock.Elapsed.TotalSeconds;
            }

            await Task.Delay(Poll, ct);
        }

        return null;
    }
}
