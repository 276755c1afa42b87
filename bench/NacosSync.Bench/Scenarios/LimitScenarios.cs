using System.Diagnostics;
using System.Text.RegularExpressions;
using Dapper;
using NacosSync.Bench.Report;
using NacosSync.Bench.Setup;
using NacosSync.Core.Config;
using NacosSync.Storage.Config;

namespace NacosSync.Bench.Scenarios;

/// <summary>The limits each figure is compared with, measured in the same run on the same servers.</summary>
internal static partial class LimitScenarios
{
    public const string CeilingNamespace = "bench-ceiling";

    /// <summary>
    /// A bare load generator (64 requests in flight, HTTP, both nodes) registers the workload's instances, ephemeral as the
    /// daemon's replicas are, into the empty target's namespace <see cref="CeilingNamespace"/> before the daemon starts;
    /// then waits until the target's expiry has removed them (no heartbeats: unhealthy at 15 s, gone at 30 s).
    /// </summary>
    public static async Task<double> WriteCeilingAsync(BenchEnvironment env, CancellationToken ct)
    {
        var w = env.Arguments.Workload;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, w.Instances), new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = ct }, async (n, token) =>
            await env.Target.RegisterAsync(Seeder.Instance(w, n, 1) with { Namespace = CeilingNamespace }, ephemeral: true, node: n, token));
        var rate = w.Instances / clock.Elapsed.TotalSeconds;
        BenchEnvironment.Log($"write ceiling: {w.Instances} instances in {clock.Elapsed.TotalSeconds:0.00} s = {rate:0}/s; waiting for their expiry");
        var last = Seeder.Instance(w, w.Instances - 1, 1) with { Namespace = CeilingNamespace };
        var wait = Stopwatch.StartNew();
        while ((await env.Target.ListAsync(CeilingNamespace, last.Service, 0, ct)).Count > 0 && wait.Elapsed < TimeSpan.FromMinutes(3))
        {
            await Task.Delay(1000, ct);
        }

        return rate;
    }

    /// <summary>
    /// The source's config table as it is now, copied twice (bench_cfg_src, bench_cfg_tgt) with 1 % of the copy's rows
    /// drifted; then the daemon's full diff (ConfigRowStore digest walks + ConfigDiff merge + fetching the differing
    /// contents, what a full config run reads before it writes) against <c>pt-table-sync --print</c> on the same two tables.
    /// </summary>
    public static async Task ConfigDiffAsync(BenchEnvironment env, BenchResults results, CancellationToken ct)
    {
        await env.RecreateDatabaseAsync("bench_cfg_src", ct);
        await env.RecreateDatabaseAsync("bench_cfg_tgt", ct);
        var src = env.Root.WithDatabase("bench_cfg_src");
        var tgt = env.Root.WithDatabase("bench_cfg_tgt");
        var profile = Profiles.Of(env.Arguments.SourceProfile);
        await NacosSync.Sandbox.NacosSchema.CreateAsync(src, profile, ct);
        await NacosSync.Sandbox.NacosSchema.CreateAsync(tgt, profile, ct);
        int drifted;
        await using (var c = await env.Root.OpenAsync(ct))
        {
            await c.ExecuteAsync("INSERT INTO bench_cfg_src.config_info SELECT * FROM bench_source.config_info");
            await c.ExecuteAsync("INSERT INTO bench_cfg_tgt.config_info SELECT * FROM bench_cfg_src.config_info");
            drifted = await c.ExecuteAsync("UPDATE bench_cfg_tgt.config_info SET content = CONCAT(content, 'drift'), md5 = MD5(CONCAT(content, 'drift')) WHERE id % 100 = 0");
        }

        var rows = new ConfigRowStore(src, await ConfigSchema.DetectAsync(src, ct));
        var targetRows = new ConfigRowStore(tgt, await ConfigSchema.DetectAsync(tgt, ct)) { Md5 = ConfigDigestMd5.StoredColumn };

        // One untimed run of each first (this process's first diff pays the JIT, a daemon diffs every few minutes, warm;
        // pt-table-sync's first run reads Perl and the tables from disk), then each side Repeats times, alternating, and
        // the medians compared; pt-table-sync pays Perl's start each time. Every run is kept in the details.
        var warmDiff = (await DiffOnceAsync(rows, targetRows, ct)).Seconds;
        var warmPt = (await PtTableSyncAsync(env, ct)).Seconds;
        var diffs = new List<double>();
        var pts = new List<double>();
        var differences = 0;
        (int Statements, string? Error) pt = (0, null);
        for (var run = 0; run < Repeats; run++)
        {
            (var seconds, differences) = await DiffOnceAsync(rows, targetRows, ct);
            diffs.Add(seconds);
            var (ptSeconds, statements, error) = await PtTableSyncAsync(env, ct);
            pts.Add(ptSeconds);
            pt = (statements, error ?? pt.Error);
        }

        var (diffSeconds, ptMedian) = (Median(diffs), pts.Any(double.IsNaN) ? double.NaN : Median(pts));
        string Runs(List<double> xs) => string.Join(", ", xs.Select(x => x.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)));
        BenchEnvironment.Log($"config diff: {differences} of {drifted} drifted rows, runs {Runs(diffs)} s (warm-up {warmDiff:0.00} s); pt-table-sync --print runs {Runs(pts)} s (warm-up {warmPt:0.00} s), {pt.Statements} statements {pt.Error}");
        results.Details["configDiff"] = new { drifted, differences, diffSeconds, diffRuns = diffs, diffWarmUp = warmDiff, ptTableSyncSeconds = ptMedian, ptTableSyncRuns = pts, ptTableSyncWarmUp = warmPt, ptStatements = pt.Statements, ptError = pt.Error };
        results.Add(new Figure("limits", $"config full diff, 1 % drift ({differences:N0} found of {drifted:N0}; median of {Repeats}, runs {Runs(diffs)} s)", diffSeconds, "s", "≤ ½ pt-table-sync",
            double.IsNaN(ptMedian) || differences != drifted ? null : diffSeconds <= ptMedian / 2,
            "two index-ordered digest walks of MariaDB: the source's MD5(content) computed by the server for every row (the target's md5 column, CRC32(content) both sides), + contents of the differing keys; after one untimed run"));
        results.Add(new Figure("limits", $"pt-table-sync --print, same tables ({pt.Statements:N0} statements; median of {Repeats}, runs {Runs(pts)} s)", ptMedian, "s", "–", null,
            pt.Error ?? "per-chunk checksums, then row compares; each run starts Perl"));
    }

    private const int Repeats = 5;

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>What a full config run reads before it writes: both digest walks merged, and the differing contents fetched 200 at a time.</summary>
    private static async Task<(double Seconds, int Differences)> DiffOnceAsync(ConfigRowStore rows, ConfigRowStore targetRows, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var differences = 0;
        var batch = new List<ConfigKey>();
        var tenants = await rows.ReadTenantsAsync(ct);
        await foreach (var d in ConfigDiff.DiffAsync(rows.ReadDigestsAsync(tenants, _ => true, ct), targetRows.ReadDigestsAsync(tenants, _ => true, ct), ct))
        {
            differences++;
            batch.Add(d.Key);
            if (batch.Count == 200)
            {
                await rows.ReadRowsAsync(batch, ct);
                batch.Clear();
            }
        }

        await rows.ReadRowsAsync(batch, ct);
        return (clock.Elapsed.TotalSeconds, differences);
    }

    private static async Task<(double Seconds, int Statements, string? Error)> PtTableSyncAsync(BenchEnvironment env, CancellationToken ct)
    {
        var cs = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = env.Connection };
        string Get(string key) => cs.TryGetValue(key, out var v) ? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)! : "";
        var dsn = $"h={Get("Server")},P={Get("Port")},u={Get("User ID")},p={Get("Password")}";
        var info = new ProcessStartInfo("pt-table-sync") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--print", $"{dsn},D=bench_cfg_src,t=config_info", $"D=bench_cfg_tgt,t=config_info" })
        {
            info.ArgumentList.Add(a);
        }

        try
        {
            var clock = Stopwatch.StartNew();
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            var seconds = clock.Elapsed.TotalSeconds;
            var output = await stdout;
            await File.WriteAllTextAsync(Path.Combine(env.OutDirectory, "pt-table-sync.sql"), output, ct);
            var statements = Statement().Count(output);
            // pt-table-sync exits 2 when it found differences (and printed them); 1 is an error.
            return process.ExitCode is 0 or 2 ? (seconds, statements, null) : (double.NaN, statements, $"pt-table-sync exited {process.ExitCode}: {(await stderr).Trim()}");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (double.NaN, 0, "pt-table-sync is not installed (apt-get install percona-toolkit)");
        }
    }

    [GeneratedRegex(@"^(REPLACE|INSERT|UPDATE|DELETE) ", RegexOptions.Multiline)]
    private static partial Regex Statement();
}
