using System.Diagnostics;
using NacosSync.Bench.Measure;
using NacosSync.Bench.Report;
using NacosSync.Bench.Setup;

namespace NacosSync.Bench.Scenarios;

/// <summary>At rest (requests each side serves while nothing changes) and a burst of source changes (a data-centre restart).</summary>
internal static class RestBurstScenarios
{
    /// <summary>Waits 15 s for the last changes to settle, then counts what each side serves over the rest period; the harness sends nothing meanwhile.</summary>
    public static async Task RestAsync(BenchEnvironment env, BenchResults results, CancellationToken ct)
    {
        await Task.Delay(TimeSpan.FromSeconds(15), ct);
        var metricsBefore = await env.DaemonApi!.MetricsAsync(ct);
        var before = await Snapshot.TakeAsync(env, ct);
        BenchEnvironment.Log($"at rest for {env.Arguments.Rest.TotalSeconds:0} s");
        await Task.Delay(env.Arguments.Rest, ct);
        var after = await Snapshot.TakeAsync(env, ct);
        var metricsAfter = await env.DaemonApi!.MetricsAsync(ct);
        var seconds = after.Seconds(before);
        var heartbeats = metricsAfter.Where(m => m.Name.StartsWith("nacossync_heartbeat", StringComparison.Ordinal))
            .Select(m => new { m.Name, m.Labels, m.Value, delta = m.Value - metricsBefore.Where(b => b.Name == m.Name && b.Labels.Count == m.Labels.Count && !b.Labels.Except(m.Labels).Any()).Sum(b => b.Value) })
            .ToList();
        var source = after.Source.Since(before.Source);
        var target = after.Target.Since(before.Target);
        var cpu = after.DaemonCpuPercent(before);
        BenchEnvironment.Log($"rest: source {source.Total / seconds:0.0} req/s, target {target.Total / seconds:0.0} req/s, daemon CPU {cpu:0.0} %");
        results.Details["rest"] = new { seconds, source = source.Top(15), target = target.Top(15), daemonCpuPercent = cpu, heartbeats };
        results.Add(new Figure("rest", "requests/s to the source (both nodes, HTTP + gRPC)", source.Total / seconds, "req/s", "≤ 50", source.Total / seconds <= 50,
            Bound(source, seconds)));
        results.Add(new Figure("rest", "requests/s to the target (both nodes, HTTP + gRPC)", target.Total / seconds, "req/s", "–", null, Bound(target, seconds)));
        results.Add(new Figure("rest", "daemon CPU at rest", cpu, "% of a core", "–", null, "heartbeat upkeep (ephemeral replicas) and change polling"));
    }

    /// <summary>
    /// Every instance of the first 5,000 (whole services) changes twice as fast as the source takes it (weight 9,001 then
    /// 9,002): 10,000 source changes. Counts the naming writes the target receives until it serves the final state,
    /// then checks every instance and config of the workload (nothing lost).
    /// </summary>
    public static async Task BurstAsync(BenchEnvironment env, TargetState state, BenchResults results, CancellationToken ct)
    {
        var w = state.Workload;
        var instances = Math.Min(5_000, w.Instances);
        var services = Enumerable.Range(0, instances / w.InstancesPerService).ToList();
        var before = await Snapshot.TakeAsync(env, ct);
        var clock = Stopwatch.StartNew();
        foreach (var weight in new[] { 9_001.0, 9_002.0 })
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, instances), new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = ct }, async (n, token) =>
                await env.Source.RegisterAsync(Seeder.Instance(w, n, weight), ephemeral: false, node: n, token));
        }

        var written = clock.Elapsed;
        for (var n = 0; n < instances; n++)
        {
            state.SetWeight(n, 9_002);
        }

        int missing;
        // One check a second: each reads every burst service's list, and the harness must not become the target's load.
        while ((missing = await state.MissingInstancesAsync(env.Target, services, ct)) > 0 && clock.Elapsed < TimeSpan.FromMinutes(5))
        {
            await Task.Delay(1000, ct);
        }

        var converged = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var after = await Snapshot.TakeAsync(env, ct);
        var wrongSamples = new System.Collections.Concurrent.ConcurrentBag<string>();
        var lostInstances = await state.MissingInstancesAsync(env.Target, ct, wrongSamples);
        foreach (var sample in wrongSamples.Take(10))
        {
            BenchEnvironment.Log("burst: wrong: " + sample);
        }
        var staleConfigs = await state.StaleConfigsAsync(env.Target, ct);
        var changes = instances * 2;
        var target = after.Target.Since(before.Target);
        var writes = target.NamingWrites;
        BenchEnvironment.Log($"burst: {changes} source changes in {written.TotalSeconds:0.0} s; target naming writes {writes}; converged after {converged.TotalSeconds:0.0} s; lost {lostInstances} instances, {staleConfigs} stale configs");
        results.Details["burst"] = new
        {
            sourceChanges = changes,
            sourceWriteSeconds = written.TotalSeconds,
            targetNamingWrites = writes,
            convergedAfterSeconds = missing == 0 ? converged.TotalSeconds : double.NaN,
            lostInstances,
            wrongInstances = wrongSamples.Order(StringComparer.Ordinal).ToList(),
            staleConfigs,
            targetRequests = target.Top(12),
        };
        results.Add(new Figure("burst", $"target naming writes per source change ({changes:N0} changes in {written.TotalSeconds:0.0} s)", writes / (double)changes, "",
            "< 1 (coalesced)", writes < changes, "what the daemon reads between runs: each run writes the latest state once"));
        results.Add(new Figure("burst", "first source write → target serves the final state", missing == 0 ? converged.TotalSeconds : double.NaN, "s", "≤ 30 s",
            missing == 0 && converged.TotalSeconds <= 30, "the source's write rate (the burst itself), then the daemon's incremental runs"));
        results.Add(new Figure("burst", "instances or (node, config) pairs wrong after the burst", lostInstances + staleConfigs, "", "0", lostInstances + staleConfigs == 0, "–"));
    }

    private static string Bound(RequestCounts counts, double seconds) =>
        counts.Total == 0 ? "nothing" : string.Join("; ", counts.Top(3).Select(c => $"{c.Key} {c.Value / seconds:0.0}/s"));
}
