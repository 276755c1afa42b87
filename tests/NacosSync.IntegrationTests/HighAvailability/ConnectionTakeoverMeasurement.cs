using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.HighAvailability;

/// <summary>
/// <see cref="TakeoverMeasurement"/> in <c>Naming:ReplicaHolding: Connection</c>: two <c>nacos-sync run</c> processes on one
/// state database, the owner holding the replicas on its gRPC connection and the standby the same batches on its own.
/// The owner is SIGKILLed <see cref="Kills"/> times (restarted as the new standby after each), the target polled every
/// 500 ms: how long until the survivor owns the task, and what a consumer sees meanwhile (fewest replicas listed,
/// most entries at one ip:port). A measurement, run on demand:
/// <c>dotnet test tests/NacosSync.IntegrationTests -c Release --filter FullyQualifiedName~ConnectionTakeoverMeasurement</c>.
/// </summary>
[TestFixture]
[Explicit("measurement (a few minutes); run with --filter FullyQualifiedName~ConnectionTakeoverMeasurement")]
internal sealed class ConnectionTakeoverMeasurement
{
    private const int Replicas = 200;
    private const int Kills = 5;

    [Test]
    public async Task After_each_kill_of_the_owner_the_standby_holds_every_replica_and_owns_the_task_within_the_lease_bound()
    {
        var state = await MariaDbServer.CreateDatabaseAsync("conntakeover");
        await using var source = await SandboxCluster.StartAsync(new SandboxClusterOptions(), CancellationToken.None);
        await using var target = await SandboxCluster.StartAsync(new SandboxClusterOptions(), CancellationToken.None);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (var i = 0; i < Replicas; i++)
        {
            using var registered = await http.PostAsync(new Uri(source.Nodes[0].BaseAddress,
                $"/nacos/v1/ns/instance?serviceName=payments&ip=10.3.{i / 250}.{i % 250}&port=9000&ephemeral=false"), null);
            registered.EnsureSuccessStatusCode();
        }

        var daemons = new List<Daemon> { Start("r1", state, source, target), Start("r2", state, source, target) };
        var takeovers = new List<double>();
        var report = new List<string>();
        try
        {
            await WaitAsync(async () => (await CountAsync(http, target)).Total == Replicas, TimeSpan.FromSeconds(60), "the replicas reach the target");
            for (var kill = 1; kill <= Kills; kill++)
            {
                var owner = await WaitForOwnerAsync(http, daemons, TimeSpan.FromSeconds(20));
                var survivor = daemons.Single(d => d != owner && !d.Process.HasExited);
                await WaitAsync(() => UpAsync(http, survivor), TimeSpan.FromSeconds(60), "the standby answers");
                await Task.Delay(TimeSpan.FromSeconds(6)); // the standby's mirror rounds (every 2 s) have read the set

                var killedAt = Stopwatch.StartNew();
                owner.Process.Kill(entireProcessTree: true);
                TimeSpan? tookOver = null;
                var (fewest, fewestHealthy, mostAtOneAddress) = (int.MaxValue, int.MaxValue, 0);
                while (killedAt.Elapsed < TimeSpan.FromSeconds(15))
                {
                    var (total, healthy, atOneAddress) = await CountAsync(http, target);
                    (fewest, fewestHealthy, mostAtOneAddress) = (Math.Min(fewest, total), Math.Min(fewestHealthy, healthy), Math.Max(mostAtOneAddress, atOneAddress));
                    if (tookOver is null && await OwnsAsync(http, survivor))
                    {
                        tookOver = killedAt.Elapsed;
                    }

                    await Task.Delay(500);
                }

                takeovers.Add(tookOver?.TotalSeconds ?? double.NaN);
                report.Add(string.Create(CultureInfo.InvariantCulture,
                    $"kill {kill}: owned after {tookOver?.TotalSeconds:0.0} s; fewest listed {fewest}, fewest healthy {fewestHealthy}, most entries at one ip:port {mostAtOneAddress}"));
                Assert.That(fewest, Is.EqualTo(Replicas), $"kill {kill}: no replica ever disappears from the target");

                await owner.Process.WaitForExitAsync();
                daemons.Remove(owner);
                Dispose(owner);
                daemons.Add(Start($"r{kill + 2}", state, source, target)); // the next standby
            }

            var sorted = takeovers.Order().ToList();
            report.Add(string.Create(CultureInfo.InvariantCulture,
                $"takeover over {Kills} kills, {Replicas} replicas: median {sorted[sorted.Count / 2]:0.0} s, max {sorted[^1]:0.0} s"));
            await TestContext.Out.WriteLineAsync(string.Join(Environment.NewLine, report));
            Assert.That(sorted[^1], Is.LessThanOrEqualTo(10), "lease 6 s + renew 2 s, and a little slack");
        }
        finally
        {
            foreach (var daemon in daemons)
            {
                if (!daemon.Process.HasExited)
                {
                    daemon.Process.Kill(entireProcessTree: true);
                }

                await daemon.Process.WaitForExitAsync();
                Dispose(daemon);
            }
        }
    }

    private sealed record Daemon(string Name, Process Process, Uri Endpoint, string Config);

    private static void Dispose(Daemon daemon)
    {
        daemon.Process.Dispose();
        File.Delete(daemon.Config);
    }

    private static Daemon Start(string name, NacosSync.Storage.Database.SqlDatabase state, SandboxCluster source, SandboxCluster target)
    {
        var port = FreePort();
        var config = Path.Combine(Path.GetTempPath(), $"nacos-sync-{name}-{Guid.NewGuid():N}.json");
        var settings = new
        {
            Clusters = new Dictionary<string, object> { ["a"] = new { ServerAddresses = source.ServerAddresses }, ["b"] = new { ServerAddresses = target.ServerAddresses } },
            Tasks = new Dictionary<string, object>
            {
                ["t"] = new
                {
                    Source = "a", Target = "b", Config = new { Enabled = false }, Naming = new { ReplicaHolding = "Connection" },
                    Schedule = new { FullCron = "0 0 0 1 1 ? 2099", IncrementalInterval = "00:00:01" },
                },
            },
            State = new { Database = new { ConnectionString = NacosSync.IntegrationTests.Hosting.DaemonHostTests.StateConnectionString(state) } },
            Endpoint = new { Url = $"http://127.0.0.1:{port}" },
            HighAvailability = new { ReplicaName = name },
        };
        File.WriteAllText(config, JsonSerializer.Serialize(settings));
        var daemonDll = Path.Combine(AppContext.BaseDirectory, "nacos-sync.dll");
        var start = new ProcessStartInfo("dotnet", ["exec", daemonDll, "run", "--config", config]) { RedirectStandardOutput = true, RedirectStandardError = true };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new Daemon(name, process, new Uri($"http://127.0.0.1:{port}"), config);
    }

    /// <summary>What a consumer lists: entries, healthy entries, and the most entries sharing one ip:port (duplicates).</summary>
    private static async Task<(int Total, int Healthy, int AtOneAddress)> CountAsync(HttpClient http, SandboxCluster target)
    {
        try
        {
            var body = await http.GetStringAsync(new Uri(target.Nodes[0].BaseAddress, "/nacos/v1/ns/instance/list?serviceName=payments&healthyOnly=false"));
            var hosts = JsonDocument.Parse(body).RootElement.GetProperty("hosts").EnumerateArray().ToList();
            var atOne = hosts.Count == 0 ? 0 : hosts.GroupBy(h => $"{h.GetProperty("ip").GetString()}:{h.GetProperty("port").GetInt32()}").Max(g => g.Count());
            return (hosts.Count, hosts.Count(h => h.GetProperty("healthy").GetBoolean()), atOne);
        }
        catch (HttpRequestException)
        {
            return (0, 0, 0);
        }
    }

    private static async Task<bool> OwnsAsync(HttpClient http, Daemon daemon)
    {
        try
        {
            var metrics = await http.GetStringAsync(new Uri(daemon.Endpoint, "/metrics"));
            return metrics.Contains($"nacossync_task_owner{{replica=\"{daemon.Name}\",task=\"t\"}} 1", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static async Task<bool> UpAsync(HttpClient http, Daemon daemon)
    {
        try
        {
            return (await http.GetStringAsync(new Uri(daemon.Endpoint, "/metrics"))).Length > 0;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static async Task<Daemon> WaitForOwnerAsync(HttpClient http, List<Daemon> daemons, TimeSpan timeout)
    {
        Daemon? owner = null;
        await WaitAsync(async () =>
        {
            foreach (var daemon in daemons.Where(d => !d.Process.HasExited))
            {
                if (await OwnsAsync(http, daemon))
                {
                    owner = daemon;
                }
            }

            return owner is not null;
        }, timeout, "one daemon owns the task");
        return owner!;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > timeout)
            {
                Assert.Fail($"not reached within {timeout}: {what}");
            }

            await Task.Delay(250);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
