using System.Diagnostics;
using System.Globalization;
using Dapper;
using NacosSync.Sandbox;
using NacosSync.Storage.Database;

// Measures the sandbox's own throughput over loopback HTTP with bounded concurrency and a bounded
// count per operation: later benchmarks of the daemon cannot go faster than this.
//   MARIADB_CONNECTION  root connection to a MariaDB (else scripts/mariadb.sh starts one for the run)
//   -count N            requests per operation (default 20000; registrations: N / 4)
//   -concurrency C      requests in flight (default 16)

var count = Argument("-count", 20000);
var concurrency = Argument("-concurrency", 16);
var invariant = CultureInfo.InvariantCulture;

string? ownedDirectory = null;
var connectionString = Environment.GetEnvironmentVariable("MARIADB_CONNECTION");
if (string.IsNullOrWhiteSpace(connectionString))
{
    var values = MariaDb.Start();
    ownedDirectory = values["MARIADB_DIR"];
    connectionString = values["MARIADB_CONNECTION"];
}

try
{
    var root = new SqlDatabase(connectionString);
    var databaseName = string.Create(invariant, $"bench_sandbox_{Environment.ProcessId}");
    await using (var connection = await root.OpenAsync(CancellationToken.None))
    {
        await connection.ExecuteAsync($"DROP DATABASE IF EXISTS `{databaseName}`");
        await connection.ExecuteAsync($"CREATE DATABASE `{databaseName}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
    }

    await using var cluster = await SandboxCluster.StartAsync(
        new SandboxClusterOptions { Nodes = 1, Database = root.WithDatabase(databaseName) }, CancellationToken.None);
    using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
    using var http = new HttpClient(handler) { BaseAddress = cluster.Nodes[0].BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    Console.WriteLine(string.Create(invariant, $"sandbox {cluster.Traits.Version}, 1 node, {Environment.ProcessorCount} cores, concurrency {concurrency}"));

    var registrations = Math.Max(1, count / 4);
    await MeasureAsync("register", registrations, i =>
    {
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["serviceName"] = string.Create(invariant, $"bench.svc.{i % 100}"),
            ["ip"] = string.Create(invariant, $"10.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}"),
            ["port"] = "8080",
            ["metadata"] = "{\"zone\":\"a\"}",
        });
        return http.PostAsync(new Uri("/nacos/v1/ns/instance", UriKind.Relative), form);
    });

    await MeasureAsync("list", count, i =>
        http.GetAsync(new Uri(string.Create(invariant, $"/nacos/v1/ns/instance/list?serviceName=bench.svc.{i % 100}"), UriKind.Relative)));

    const int Configs = 200;
    await MeasureAsync("config publish", Configs, i =>
    {
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["dataId"] = string.Create(invariant, $"bench.{i}.properties"),
            ["group"] = "DEFAULT_GROUP",
            ["content"] = string.Create(invariant, $"key={i}\nvalue={new string('x', 200)}"),
        });
        return http.PostAsync(new Uri("/nacos/v1/cs/configs", UriKind.Relative), form);
    });

    await MeasureAsync("config get", count, i =>
        http.GetAsync(new Uri(string.Create(invariant, $"/nacos/v1/cs/configs?dataId=bench.{i % Configs}.properties&group=DEFAULT_GROUP"), UriKind.Relative)));

    await using (var connection = await root.OpenAsync(CancellationToken.None))
    {
        await connection.ExecuteAsync($"DROP DATABASE IF EXISTS `{databaseName}`");
    }
}
finally
{
    if (ownedDirectory is not null)
    {
        MariaDb.Stop(ownedDirectory);
    }
}

async Task MeasureAsync(string name, int total, Func<int, Task<HttpResponseMessage>> send)
{
    var next = -1;
    var failures = 0;
    var latencies = new double[total];
    var watch = Stopwatch.StartNew();
    var workers = Enumerable.Range(0, concurrency).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < total)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await send(i);
            await response.Content.ReadAsByteArrayAsync();
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (!response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref failures);
            }
        }
    });
    await Task.WhenAll(workers);
    watch.Stop();
    Array.Sort(latencies);
    Console.WriteLine(string.Create(invariant,
        $"{name,-15} {total,7} requests  {total / watch.Elapsed.TotalSeconds,10:F0} /s  p50 {latencies[total / 2],6:F2} ms  p99 {latencies[Math.Min(total - 1, total * 99 / 100)],6:F2} ms  failures {failures}"));
}

int Argument(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

/// <summary>Starts and stops the throwaway MariaDB of scripts/mariadb.sh.</summary>
internal static class MariaDb
{
    public static Dictionary<string, string> Start() =>
        Run("start").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("MARIADB_", StringComparison.Ordinal))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1].Replace("\\", "", StringComparison.Ordinal).Trim('\''), StringComparer.Ordinal);

    public static void Stop(string directory) => Run("stop", directory);

    private static string Run(params string[] arguments)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true };
        info.ArgumentList.Add(Path.Combine(RepositoryRoot(), "scripts", "mariadb.sh"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"mariadb.sh {string.Join(' ', arguments)} exited {process.ExitCode}");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NacosSync.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("NacosSync.sln not found");
    }
}
