using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dapper;
using NacosSync.Core.Config;
using NacosSync.Sandbox;
using NacosSync.Storage.Config;
using NacosSync.Storage.Database;

// Full-diff benchmark of config sync (docs/config.md; numbers in bench/config/README.md).
//   config-bench setup <rows> <contentBytes> <driftPercent> [namespaces]   creates bench_cfg_src / bench_cfg_tgt (2.4 schema)
//   config-bench diff                                          streams both tables (every namespace in one walk), merge-diffs, fetches differing contents
//   config-bench diff-per-namespace                            the same, one walk of the index per namespace (the old way)
// The connection comes from MARIADB_CONNECTION (scripts/mariadb.sh start).
var connection = Environment.GetEnvironmentVariable("MARIADB_CONNECTION")
    ?? throw new InvalidOperationException("set MARIADB_CONNECTION (eval \"$(scripts/mariadb.sh start)\")");
var root = new SqlDatabase(connection);
var source = root.WithDatabase("bench_cfg_src");
var target = root.WithDatabase("bench_cfg_tgt");
var command = args.Length > 0 ? args[0] : "diff";
var ct = CancellationToken.None;

if (command == "setup")
{
    var rows = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50_000;
    var size = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2_048;
    var drift = args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 1.0;
    var namespaces = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 1;
    await using (var c = await root.OpenAsync(ct))
    {
        foreach (var db in new[] { "bench_cfg_src", "bench_cfg_tgt" })
        {
            await c.ExecuteAsync($"DROP DATABASE IF EXISTS `{db}`");
            await c.ExecuteAsync($"CREATE DATABASE `{db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        }
    }

    await NacosSchema.CreateAsync(source, NacosVersionProfile.V2_4, ct);
    await NacosSchema.CreateAsync(target, NacosVersionProfile.V2_4, ct);
    var random = new Random(42);
    await using (var c = await source.OpenAsync(ct))
    {
        for (var start = 0; start < rows; start += 500)
        {
            var sql = new StringBuilder("INSERT INTO config_info (data_id, group_id, tenant_id, content, md5, type, app_name, encrypted_data_key) VALUES ");
            var p = new DynamicParameters();
            for (var i = start; i < Math.Min(rows, start + 500); i++)
            {
                var content = RandomText(random, size);
                sql.Append(i == start ? "" : ",").Append(CultureInfo.InvariantCulture, $"(@d{i}, @g{i}, @t{i}, @c{i}, @m{i}, 'yaml', 'bench', '')");
                p.Add($"t{i}", i % namespaces == 0 ? "" : $"ns-{i % namespaces}");
                p.Add($"d{i}", $"service-{i:D6}.yaml");
                p.Add($"g{i}", $"GROUP_{i % 20:D2}");
                p.Add($"c{i}", content);
                p.Add($"m{i}", ConfigMd5.Of(content));
            }

            await c.ExecuteAsync(sql.ToString(), p);
        }

        await c.ExecuteAsync("INSERT INTO bench_cfg_tgt.config_info SELECT * FROM bench_cfg_src.config_info");
        var every = (int)Math.Round(100 / drift);
        await c.ExecuteAsync($"UPDATE bench_cfg_tgt.config_info SET content = CONCAT(content, 'drift'), md5 = MD5(CONCAT(content, 'drift')) WHERE id % {every} = 0");
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"setup: {rows} rows of {size} bytes over {namespaces} namespace(s), {drift} % drift in the target"));
    return;
}

var schema = await ConfigSchema.DetectAsync(source, ct);
var pageSize = int.Parse(Environment.GetEnvironmentVariable("BENCH_PAGE_SIZE") ?? "5000", CultureInfo.InvariantCulture);
var sourceRows = new ConfigRowStore(source, schema) { PageSize = pageSize };
var targetRows = new ConfigRowStore(target, await ConfigSchema.DetectAsync(target, ct)) { PageSize = pageSize };
var process = Process.GetCurrentProcess();
var stopwatch = Stopwatch.StartNew();
long differences = 0;
long fetchedBytes = 0;
long maxHeap = 0;
var batch = new List<ConfigKey>();
var tenants = await sourceRows.ReadTenantsAsync(ct);
// `diff`: what the daemon's full run does, every namespace in one walk of the unique index per side.
// `diff-per-namespace`: one walk per namespace, as the daemon did before (for comparison).
var walks = command == "diff-per-namespace" ? tenants.Select(t => (IReadOnlyCollection<string>)[t]).ToList() : [tenants];
foreach (var walk in walks)
{
    var s = sourceRows.ReadDigestsAsync(walk, _ => true, ct);
    var t = targetRows.ReadDigestsAsync(walk, _ => true, ct);
    await foreach (var d in ConfigDiff.DiffAsync(s, t, ct))
    {
        differences++;
        batch.Add(d.Key);
        if (batch.Count == 200)
        {
            fetchedBytes += (await sourceRows.ReadRowsAsync(batch, ct)).Values.Sum(r => (long)r.Content.Length);
            batch.Clear();
            maxHeap = Math.Max(maxHeap, GC.GetTotalMemory(false));
        }
    }
}

fetchedBytes += (await sourceRows.ReadRowsAsync(batch, ct)).Values.Sum(r => (long)r.Content.Length);
stopwatch.Stop();
process.Refresh();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{command} ({walks.Count} walk(s) over {tenants.Count} namespace(s)): {differences} differences, {fetchedBytes / 1024} KiB of contents fetched, {stopwatch.Elapsed.TotalSeconds:0.00} s, peak working set {process.PeakWorkingSet64 / 1024 / 1024} MiB, max managed heap {maxHeap / 1024 / 1024} MiB"));

static string RandomText(Random random, int size)
{
    const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789:. \n";
    return string.Create(size, random, (span, r) =>
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = Alphabet[r.Next(Alphabet.Length)];
        }
    });
}
