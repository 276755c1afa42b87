using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NacosSync.Cli.Commands;
using NacosSync.Core.Sync;
using NacosSync.Hosting;
using NacosSync.Hosting.Metrics;
using NacosSync.Sandbox;
using NacosSync.Storage.Database;
using Spectre.Console;

namespace NacosSync.Cli.Demo;

/// <summary>
/// <c>nacos-sync demo</c>, the README's main command: a source and a target sandbox cluster (two
/// nodes each, Nacos 2.4, config in MariaDB), a workload on the source, and the daemon syncing
/// one into the other, with a live view of counts and lag and the real /metrics endpoint.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var services = new Option<int>("--services") { Description = "Services to register in the source", DefaultValueFactory = _ => 20 };
        var instances = new Option<int>("--instances") { Description = "Instances per service", DefaultValueFactory = _ => 5 };
        var configs = new Option<int>("--configs") { Description = "Configs to publish in the source", DefaultValueFactory = _ => 20 };
        var endpoint = new Option<string>("--endpoint") { Description = "The daemon's endpoint (/metrics, /healthz)", DefaultValueFactory = _ => "http://127.0.0.1:9898" };
        var duration = new Option<TimeSpan?>("--duration") { Description = "Stop after this long, then check the target caught up (exit 0) or not (exit 1); default: until Ctrl-C" };
        var database = new Option<string?>("--database") { Description = "MySQL/MariaDB connection string (default: $MARIADB_CONNECTION, as scripts/demo.sh sets it)" };

        var command = new Command("demo", "Start a local source and target sandbox, seed the source, run the daemon and show live what is copied and the lag")
        {
            services, instances, configs, endpoint, duration, database,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            var connection = parseResult.GetValue(database) ?? Environment.GetEnvironmentVariable("MARIADB_CONNECTION");
            if (string.IsNullOrWhiteSpace(connection))
            {
                await error.WriteLineAsync("nacos-sync demo: no database: run it through scripts/demo.sh (which starts a throwaway MariaDB), or pass --database / set MARIADB_CONNECTION");
                return ExitCodes.UsageError;
            }

            var settings = new DemoSettings(parseResult.GetValue(services), parseResult.GetValue(instances), parseResult.GetValue(configs), parseResult.GetValue(endpoint)!, parseResult.GetValue(duration));
            if (settings.Services is < 1 or > 1000 || settings.Instances is < 1 or > 100 || settings.Configs is < 1 or > 10_000)
            {
                await error.WriteLineAsync("nacos-sync demo: --services must be 1 to 1000, --instances 1 to 100, --configs 1 to 10000");
                return ExitCodes.UsageError;
            }

            try
            {
                return await RunAsync(new SqlDatabase(connection), settings, parseResult.InvocationConfiguration.Output, cancellationToken);
            }
            catch (System.Data.Common.DbException ex)
            {
                await error.WriteLineAsync($"nacos-sync demo: the database cannot be used: {ex.Message}");
                return ExitCodes.Unreachable;
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(SqlDatabase root, DemoSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        var suffix = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var sourceDb = await CreateDatabaseAsync(root, "nacossync_demo_source_" + suffix, cancellationToken);
        var targetDb = await CreateDatabaseAsync(root, "nacossync_demo_target_" + suffix, cancellationToken);
        var stateDb = await CreateDatabaseAsync(root, "nacossync_demo_state_" + suffix, cancellationToken);
        try
        {
            await using var source = await SandboxCluster.StartAsync(new SandboxClusterOptions { Nodes = 2, Database = sourceDb.Database }, cancellationToken);
            await using var target = await SandboxCluster.StartAsync(new SandboxClusterOptions { Nodes = 2, Database = targetDb.Database }, cancellationToken);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var workload = new DemoWorkload(http, source.Nodes[0].BaseAddress, settings.Services, settings.Instances, settings.Configs);
            await workload.SeedAsync(cancellationToken);

            var logs = new RecentLogProvider(8);
            var adminToken = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(DaemonSettings(source, target, sourceDb.ConnectionString, targetDb.ConnectionString, stateDb.ConnectionString, settings.Endpoint, adminToken)).Build();
            await using var daemon = NacosSyncHost.BuildDaemon(configuration, logging =>
            {
                logging.ClearProviders();
                logging.AddProvider(logs);
            });
            await daemon.StartAsync(cancellationToken);

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (settings.Duration is { } limit)
            {
                stop.CancelAfter(limit);
            }

            using var workloadStop = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            var workloadRun = workload.RunAsync(workloadStop.Token);
            var metrics = daemon.Services.GetRequiredService<SyncRunMetrics>();
            await output.WriteLineAsync($"source sandbox: {string.Join(", ", source.ServerAddresses)}   target sandbox: {string.Join(", ", target.ServerAddresses)}");
            await output.WriteLineAsync($"daemon: {settings.Endpoint}/metrics   admin token for `nacos-sync trigger --url {settings.Endpoint} --token {adminToken} --task demo`");
            await output.WriteLineAsync(settings.Duration is null ? "Ctrl-C stops everything the demo started." : $"running for {settings.Duration}");

            await ShowLiveAsync(http, source, target, metrics, workload, logs, output, stop.Token);

            // Let the last changes land, then judge: the target must hold what the source holds.
            await workloadStop.CancelAsync();
            await workloadRun;
            if (cancellationToken.IsCancellationRequested && settings.Duration is null)
            {
                await output.WriteLineAsync("stopping");
                await daemon.StopAsync(CancellationToken.None);
                return ExitCodes.Success;
            }

            var converged = await WaitForConvergenceAsync(http, source, target, TimeSpan.FromSeconds(15), CancellationToken.None);
            var final = await CountAsync(http, source, target, CancellationToken.None);
            await output.WriteLineAsync(final.Describe());
            await daemon.StopAsync(CancellationToken.None);
            await output.WriteLineAsync(converged ? "the target caught up with the source" : "the target did NOT catch up with the source within 15 s of the last change");
            return converged ? ExitCodes.Success : ExitCodes.Failures;
        }
        finally
        {
            await DropDatabasesAsync(root, [sourceDb.Name, targetDb.Name, stateDb.Name]);
        }
    }

    private static Dictionary<string, string?> DaemonSettings(SandboxCluster source, SandboxCluster target, string sourceDb, string targetDb, string stateDb, string endpoint, string adminToken)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Clusters:source:ClusterId"] = "demo-source",
            ["Clusters:source:Database:ConnectionString"] = sourceDb,
            ["Clusters:target:ClusterId"] = "demo-target",
            ["Clusters:target:Database:ConnectionString"] = targetDb,
            ["Tasks:demo:Source"] = "source",
            ["Tasks:demo:Target"] = "target",
            ["Tasks:demo:Schedule:FullCron"] = "0/30 * * * * ?",
            ["Tasks:demo:Schedule:IncrementalInterval"] = "00:00:00.500",
            ["State:Database:ConnectionString"] = stateDb,
            ["Endpoint:Url"] = endpoint,
            ["Endpoint:AdminToken"] = adminToken,
        };
        for (var i = 0; i < source.ServerAddresses.Count; i++)
        {
            settings[$"Clusters:source:ServerAddresses:{i}"] = source.ServerAddresses[i];
        }

        for (var i = 0; i < target.ServerAddresses.Count; i++)
        {
            settings[$"Clusters:target:ServerAddresses:{i}"] = target.ServerAddresses[i];
        }

        return settings;
    }

    private static async Task ShowLiveAsync(HttpClient http, SandboxCluster source, SandboxCluster target, SyncRunMetrics metrics, DemoWorkload workload,
        RecentLogProvider logs, TextWriter output, CancellationToken cancellationToken)
    {
        var interactive = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        if (!interactive)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var counts = await CountAsync(http, source, target, CancellationToken.None);
                await output.WriteLineAsync($"{TimeProvider.System.GetUtcNow():HH:mm:ss} {counts.Describe()}; lag naming {metrics.LagSeconds("demo", SyncKind.Naming):0.0} s, config {metrics.LagSeconds("demo", SyncKind.Config):0.0} s; {workload.Changes} source changes");
                await Delay(TimeSpan.FromSeconds(5), cancellationToken);
            }

            return;
        }

        await AnsiConsole.Live(new Text("starting")).StartAsync(async context =>
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var counts = await CountAsync(http, source, target, CancellationToken.None);
                var table = new Table().Title("NacosSync demo: source → target").AddColumns("", "source", "target", "lag (s)");
                table.AddRow("services", N(counts.SourceServices), N(counts.TargetServices), metrics.LagSeconds("demo", SyncKind.Naming).ToString("0.0", CultureInfo.InvariantCulture));
                table.AddRow("instances", N(counts.SourceInstances), N(counts.TargetInstances), "");
                table.AddRow("configs", N(counts.SourceConfigs), N(counts.TargetConfigs), metrics.LagSeconds("demo", SyncKind.Config).ToString("0.0", CultureInfo.InvariantCulture));
                table.AddRow("configs identical on every target node", "", N(counts.IdenticalConfigs), "");
                table.Caption($"{workload.Changes} changes made in the source so far; Ctrl-C stops");
                var recent = new Panel(new Text(string.Join('\n', logs.Lines.DefaultIfEmpty("(no log lines yet)")))).Header("daemon log");
                context.UpdateTarget(new Rows(table, recent));
                await Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        });

        static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
    }

    private static async Task<bool> WaitForConvergenceAsync(HttpClient http, SandboxCluster source, SandboxCluster target, TimeSpan within, CancellationToken cancellationToken)
    {
        var deadline = TimeProvider.System.GetUtcNow() + within;
        while (true)
        {
            var counts = await CountAsync(http, source, target, cancellationToken);
            if (counts.Converged)
            {
                return true;
            }

            if (TimeProvider.System.GetUtcNow() > deadline)
            {
                return false;
            }

            await Task.Delay(500, cancellationToken);
        }
    }

    private static async Task<DemoCounts> CountAsync(HttpClient http, SandboxCluster source, SandboxCluster target, CancellationToken cancellationToken)
    {
        var (ss, si) = await CountNamingAsync(http, source.Nodes[0].BaseAddress, cancellationToken);
        var (ts, ti) = await CountNamingAsync(http, target.Nodes[0].BaseAddress, cancellationToken);
        var sc = await CountConfigsAsync(http, source.Nodes[0].BaseAddress, cancellationToken);
        var tc = await CountConfigsAsync(http, target.Nodes[^1].BaseAddress, cancellationToken);
        var identical = await CountIdenticalConfigsAsync(http, source, target, (int)Math.Max(sc, 0), cancellationToken);
        return new DemoCounts(ss, ts, si, ti, sc, tc, identical);
    }

    /// <summary>Configs whose md5 on every target node equals the source's: what "visible in the target" means for config.</summary>
    private static async Task<long> CountIdenticalConfigsAsync(HttpClient http, SandboxCluster source, SandboxCluster target, int configs, CancellationToken cancellationToken)
    {
        long identical = 0;
        for (var c = 0; c < configs; c++)
        {
            var path = $"/nacos/v1/cs/configs?dataId=demo-config-{c:D2}.yaml&group=DEFAULT_GROUP";
            var expected = await Md5Async(http, new Uri(source.Nodes[0].BaseAddress, path), cancellationToken);
            var same = expected is not null;
            foreach (var node in target.Nodes)
            {
                same &= expected == await Md5Async(http, new Uri(node.BaseAddress, path), cancellationToken);
            }

            identical += same ? 1 : 0;
        }

        return identical;
    }

    private static async Task<string?> Md5Async(HttpClient http, Uri address, CancellationToken cancellationToken)
    {
        try
        {
            // The body's own md5 rather than the Content-MD5 header (hex in Nacos, base64 in HTTP's eyes).
            using var response = await http.GetAsync(address, cancellationToken);
#pragma warning disable CA5351 // MD5 is the Nacos protocol's content digest, not a security measure.
            return response.IsSuccessStatusCode
                ? Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(await response.Content.ReadAsByteArrayAsync(cancellationToken)))
                : null;
#pragma warning restore CA5351
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static async Task<(long Services, long Instances)> CountNamingAsync(HttpClient http, Uri node, CancellationToken cancellationToken)
    {
        try
        {
            var page = await http.GetFromJsonAsync<CatalogPage>(new Uri(node, "/nacos/v1/ns/catalog/services?namespaceId=public&pageNo=1&pageSize=10000"), cancellationToken);
            // Services with no instances linger for a minute in Nacos; count the ones that have some.
            var live = page?.ServiceList?.Where(s => s.IpCount > 0).ToList() ?? [];
            return (live.Count, live.Sum(s => (long)s.IpCount));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return (-1, -1);
        }
    }

    private static async Task<long> CountConfigsAsync(HttpClient http, Uri node, CancellationToken cancellationToken)
    {
        try
        {
            var page = await http.GetFromJsonAsync<ConfigPage>(new Uri(node, "/nacos/v1/cs/configs?search=accurate&dataId=&group=&tenant=&pageNo=1&pageSize=1"), cancellationToken);
            return page?.TotalCount ?? -1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return -1;
        }
    }

    private static async Task<(string Name, SqlDatabase Database, string ConnectionString)> CreateDatabaseAsync(SqlDatabase root, string name, CancellationToken cancellationToken)
    {
        await using (var connection = await root.OpenAsync(cancellationToken))
        {
            await connection.ExecuteAsync($"DROP DATABASE IF EXISTS `{name}`");
            await connection.ExecuteAsync($"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        }

        var database = root.WithDatabase(name);
        return (name, database, database.ConnectionString);
    }

    private static async Task DropDatabasesAsync(SqlDatabase root, string[] names)
    {
        try
        {
            await using var connection = await root.OpenAsync(CancellationToken.None);
            foreach (var name in names)
            {
                await connection.ExecuteAsync($"DROP DATABASE IF EXISTS `{name}`");
            }
        }
        catch (System.Data.Common.DbException)
        {
            // The server may be gone already (scripts/demo.sh stops it); nothing of value is left behind.
        }
    }

    private static async Task Delay(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The demo is ending.
        }
    }

    private sealed record DemoSettings(int Services, int Instances, int Configs, string Endpoint, TimeSpan? Duration);

    private sealed record DemoCounts(long SourceServices, long TargetServices, long SourceInstances, long TargetInstances, long SourceConfigs, long TargetConfigs, long IdenticalConfigs)
    {
        public bool Converged => SourceServices >= 0 && SourceServices == TargetServices && SourceInstances == TargetInstances
            && SourceConfigs == TargetConfigs && IdenticalConfigs == SourceConfigs;

        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"services {SourceServices} → {TargetServices}, instances {SourceInstances} → {TargetInstances}, configs {SourceConfigs} → {TargetConfigs} ({IdenticalConfigs} identical on every target node)");
    }

    private sealed record CatalogPage([property: JsonPropertyName("count")] int Count, [property: JsonPropertyName("serviceList")] List<CatalogService>? ServiceList);

    private sealed record CatalogService([property: JsonPropertyName("name")] string Name, [property: JsonPropertyName("ipCount")] int IpCount);

    private sealed record ConfigPage([property: JsonPropertyName("totalCount")] long TotalCount);
}
