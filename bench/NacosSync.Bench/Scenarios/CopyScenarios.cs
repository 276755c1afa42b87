using System.Diagnostics;
using NacosSync.Bench.Measure;
using NacosSync.Bench.Report;
using NacosSync.Bench.Setup;

namespace NacosSync.Bench.Scenarios;

/// <summary>The initial copy into the empty target, and a no-change full cycle once it converged.</summary>
internal static class CopyScenarios
{
    /// <summary>
    /// Starts the daemon (whose start runs the first full runs) and waits until /metrics shows a finished naming and
    /// config full run and the target's API serves every instance and every config on every node; with one kind
    /// disabled (<c>--set Tasks:bench:Config:Enabled=false</c>), only the other's run and objects are waited for.
    /// </summary>
    public static async Task InitialAsync(BenchEnvironment env, TargetState state, BenchResults results, double? ceiling, bool report, CancellationToken ct)
    {
        var w = env.Arguments.Workload;
        var (namingOn, configOn) = (env.Arguments.Naming, env.Arguments.Config);
        var clock = Stopwatch.StartNew();
        await env.StartDaemonAsync(ct);
        var api = env.DaemonApi!;
        BenchEnvironment.Log($"daemon pid {env.Daemon!.Pid} up after {clock.Elapsed.TotalSeconds:0.0} s; waiting for the first full runs");
        IReadOnlyList<PrometheusSample> metrics;
        while (true)
        {
            metrics = await api.MetricsAsync(ct);
            if ((!namingOn || DaemonClient.RunDurations(metrics, "naming", "full").Count >= 1) && (!configOn || DaemonClient.RunDurations(metrics, "config", "full").Count >= 1))
            {
                break;
            }

            Check(env, clock, "the first full runs");
            await Task.Delay(250, ct);
        }

        var runsDone = clock.Elapsed;
        int missing, stale;
        while ((missing = namingOn ? await state.MissingInstancesAsync(env.Target, ct) : 0) + (stale = configOn ? await state.StaleConfigsAsync(env.Target, ct) : 0) > 0)
        {
            BenchEnvironment.Log($"target not converged yet: {missing} instances, {stale} (node, config) pairs");
            Check(env, clock, "convergence");
            await Task.Delay(1000, ct);
        }

        var converged = clock.Elapsed;
        var naming = DaemonClient.RunDurations(metrics, "naming", "full").Sum;
        var config = DaemonClient.RunDurations(metrics, "config", "full").Sum;
        var rate = w.Instances / naming;
        BenchEnvironment.Log($"initial: naming full run {(namingOn ? $"{naming:0.00} s ({rate:0} instances/s)" : "off")}, config {(configOn ? $"{config:0.00} s" : "off")}; target verified at {converged.TotalSeconds:0.0} s");
        results.Details["initial"] = new
        {
            namingFullRunSeconds = naming,
            configFullRunSeconds = config,
            runsFinishedAfterSeconds = runsDone.TotalSeconds,
            verifiedAfterSeconds = converged.TotalSeconds,
            outcomes = metrics.Where(m => m.Name == "nacossync_sync_runs_total").Select(m => new { m.Labels, m.Value }).ToList(),
            objects = metrics.Where(m => m.Name == "nacossync_sync_objects_total").Select(m => new { m.Labels, m.Value }).ToList(),
        };
        if (!report)
        {
            return;
        }

        if (namingOn)
        {
            results.Add(new Figure("initial", "naming copy rate (instances / naming full run's duration from /metrics)", rate, "instances/s", "–", null,
                "the machine's 2 cores, which the daemon, both sandboxes, MariaDB and the harness share during the copy; the config copy takes its turn before or after (README: Benchmarks)"));
            if (ceiling is { } c)
            {
                results.Add(new Figure("initial", "naming copy rate / write ceiling", rate / c * 100, "%", "≥ 70 %", rate / c >= 0.7, "as the rate above (README: Benchmarks)"));
            }
        }

        if (configOn)
        {
            results.Add(new Figure("initial", "config copy (config full run, from /metrics)", config, "s", "–", null, "not profiled here: batched upserts into the target DB (200 a batch), then proof on every node"));
        }

        results.Add(new Figure("initial", "daemon start → target verified (every instance; every config on every node)", converged.TotalSeconds, "s", "–", null,
            "the runs above + daemon start-up + the harness's verify polls (1 s)"));
    }

    /// <summary>A full run of naming then config with nothing to change, asked through the admin API; durations from /metrics.</summary>
    public static async Task NoChangeAsync(BenchEnvironment env, BenchResults results, CancellationToken ct)
    {
        var api = env.DaemonApi!;
        var before = await api.MetricsAsync(ct);
        var wall = Stopwatch.StartNew();
        var answer = await api.ResyncAsync(DaemonSettings.Task, "all", ct);
        wall.Stop();
        var after = await api.MetricsAsync(ct);
        double Delta(string kind) => DaemonClient.RunDurations(after, kind, "full").Sum - DaemonClient.RunDurations(before, kind, "full").Sum;
        var naming = Delta("naming");
        var config = Delta("config");
        results.Details["nochange"] = new { adminAnswer = answer, wallSeconds = wall.Elapsed.TotalSeconds };
        BenchEnvironment.Log($"no-change full cycle: naming {naming:0.00} s, config {config:0.00} s (admin call {wall.Elapsed.TotalSeconds:0.00} s)");
        results.Add(new Figure("nochange", "no-change full cycle (naming + config, /metrics)", naming + config, "s", "≤ 10 s", naming + config <= 10,
            "reading both sides whole: source and target list APIs (naming), both config tables (config)"));
        results.Add(new Figure("nochange", "  of which naming", naming, "s", "–", null, "per-service instance reads of source and target"));
        results.Add(new Figure("nochange", "  of which config", config, "s", "–", null, "digest walks of both config tables"));
    }

    private static void Check(BenchEnvironment env, Stopwatch clock, string what)
    {
        if (env.Daemon!.HasExited)
        {
            throw new InvalidOperationException($"the daemon exited while waiting for {what}:{Environment.NewLine}{env.Daemon.Tail()}");
        }

        if (clock.Elapsed > TimeSpan.FromMinutes(20))
        {
            throw new TimeoutException($"no {what} within 20 minutes");
        }
    }
}
