using System.Diagnostics;
using System.Globalization;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using NacosSync.Bench.Measure;
using NacosSync.Bench.Report;
using NacosSync.Bench.Setup;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.Storage.State;

namespace NacosSync.Bench.Scenarios;

/// <summary>
/// What persisting the kept set costs, apart from everything else of a copy: the workload's instances as the rows a
/// <c>ReplicaHolding: Connection</c> copy writes (one per replica, the daemon's key form and a value shaped and sized
/// like its JSON for a bench instance), written through <see cref="MySqlRunStateStore"/> 2,000 per call as the daemon's
/// saver does, into the state schema as migrated now and into the same schema with the index migration 007 dropped.
/// Reported: this process's CPU (driver and store) plus MariaDB's, per full set. During an initial copy this is CPU the
/// copy does not get (with the saver switched off the daemon copied about a third faster in four pairs, README: Benchmarks).
/// </summary>
internal static class KeptSetWrites
{
    private const int PerCall = 2_000;
    private const int Repeats = 3;

    public static async Task RunAsync(BenchEnvironment env, BenchResults results, CancellationToken ct)
    {
        var rows = env.Arguments.Workload.Instances;
        await env.RecreateDatabaseAsync("bench_store", ct);
        var database = env.Root.WithDatabase("bench_store");
        await new StateSchemaMigrator(database, NullLogger<StateSchemaMigrator>.Instance).MigrateAsync(ct);
        var store = new MySqlRunStateStore(database, TimeProvider.System);
        var values = ValueOf(rows);

        // Untimed first (this process's JIT, the table's first pages), then each schema Repeats times, alternating.
        await WriteAsync(env, store, "warm-up", Math.Min(rows, 20_000), values, ct);
        var now = new List<(double Wall, double Client, double Server)>();
        var before = new List<(double Wall, double Client, double Server)>();
        for (var run = 0; run < Repeats; run++)
        {
            now.Add(await WriteAsync(env, store, $"now-{run}", rows, values, ct));
            await using (var c = await database.OpenAsync(ct))
            {
                await c.ExecuteAsync("CREATE INDEX ix_run_entry_at ON nacossync_run_entry (task_name, kind, scope, at)");
            }

            before.Add(await WriteAsync(env, store, $"before-{run}", rows, values, ct));
            await using (var c = await database.OpenAsync(ct))
            {
                await c.ExecuteAsync("ALTER TABLE nacossync_run_entry DROP INDEX ix_run_entry_at");
            }
        }

        string Runs(List<(double Wall, double Client, double Server)> xs) =>
            string.Join(", ", xs.Select(x => (x.Client + x.Server).ToString("0.00", CultureInfo.InvariantCulture)));
        double Median(List<(double Wall, double Client, double Server)> xs) => xs.Select(x => x.Client + x.Server).Order().ElementAt(xs.Count / 2);
        BenchEnvironment.Log($"kept-set rows: {rows:N0} per set, value {values[0].Length} chars; now {Runs(now)} core-s, with the index before 007 {Runs(before)} core-s");
        results.Details["keptSetWrites"] = new { rows, valueChars = values[0].Length, perCall = PerCall, now, beforeMigration007 = before };
        results.Add(new Figure("limits", $"kept-set persistence: {rows:N0} replica rows into the run-state store, {PerCall:N0} per write (writer + MariaDB CPU; median of {Repeats}, runs {Runs(now)})",
            Median(now), "core-s", "–", null, "MariaDB's row inserts (one primary-key entry each) and redo, the driver's encoding; CPU the copy does not get while it runs"));
        results.Add(new Figure("limits", $"  the same with the (task, kind, scope, at) index that migration 007 dropped (runs {Runs(before)})",
            Median(before), "core-s", "–", null, "a second index entry per row"));
    }

    private static async Task<(double Wall, double Client, double Server)> WriteAsync(BenchEnvironment env, MySqlRunStateStore store, string task, int rows,
        string[] values, CancellationToken ct)
    {
        var key = new StateKey(task, SyncKind.Naming);
        var at = DateTimeOffset.UtcNow;
        using var self = Process.GetCurrentProcess();
        var (client0, server0, clock) = (self.TotalProcessorTime, ProcSample.Read(env.MariaDbPid).CpuSeconds, Stopwatch.StartNew());
        for (var from = 0; from < rows; from += PerCall)
        {
            var chunk = new List<StateEntry>(PerCall);
            for (var i = from; i < Math.Min(rows, from + PerCall); i++)
            {
                chunk.Add(new StateEntry(KeyOf(i), values[i], at));
            }

            await store.WriteEntriesAsync(key, StateScope.Replica, chunk, [], ct);
        }

        self.Refresh();
        return (clock.Elapsed.TotalSeconds, (self.TotalProcessorTime - client0).TotalSeconds, ProcSample.Read(env.MariaDbPid).CpuSeconds - server0);
    }

    /// <summary>The daemon's key of a replica row (<c>InstanceAddress.Id</c>: service, then ip:port) for the i-th bench instance.</summary>
    private static string KeyOf(int i) => string.Create(CultureInfo.InvariantCulture, $"ns-{i % 5}/DEFAULT_GROUP@@svc-{i / 10:D5} 10.{i / 65_536 % 256}.{i / 256 % 256}.{i % 256}:8080");

    /// <summary>Values shaped like the daemon's row for a bench replica: its fields, the source metadata, the owner stamp and the heartbeat terms.</summary>
    private static string[] ValueOf(int rows)
    {
        var values = new string[rows];
        for (var i = 0; i < rows; i++)
        {
            values[i] = string.Create(CultureInfo.InvariantCulture,
                $$$"""{"TargetCluster":"target","Namespace":"ns-{{{i % 5}}}","Group":"DEFAULT_GROUP","Service":"svc-{{{i / 10:D5}}}","Cluster":"DEFAULT","Ip":"10.{{{i / 65_536 % 256}}}.{{{i / 256 % 256}}}.{{{i % 256}}}","Port":8080,"Weight":1,"Enabled":true,"Healthy":true,"Metadata":{"zone":"z1","app":"bench","nacos-sync.origin-cluster":"source","nacos-sync.task":"bench","preserved.heart.beat.interval":"5000","preserved.heart.beat.timeout":"30000","preserved.ip.delete.timeout":"60000"}}""");
        }

        return values;
    }
}
