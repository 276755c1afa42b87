using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.HighAvailability;

/// <summary>
/// Two daemon processes (<c>nacos-sync run</c>) on one state database and two sandbox clusters; the owner
/// of the task is killed with SIGKILL while it keeps the replicas alive, and the target is polled every
/// 500 ms. Prints the takeover time and what the target showed. A measurement, run on demand:
/// <c>dotnet test tests/NacosSync.IntegrationTests -c Release --filter FullyQualifiedName~TakeoverMeasurement</c>.
/// </summary>
[TestFixture]
[Explicit("measurement (about a minute); run with --filter FullyQualifiedName~TakeoverMeasurement")]
internal sealed class TakeoverMeasurement
{
    private const int Replicas = 200;

    [Test]
    public async Task After_the_owner_is_killed_the_standby_owns_the_task_within_the_lease_bound_and_no_replica_disappears()
    {
        var state = await MariaDbServer.CreateDatabaseAsync("takeover");
        await using var source = await SandboxCluster.StartAsync(new SandboxClusterOptions(), CancellationToken.None);
        await using var target = await SandboxCluster.StartAsync(new SandboxClusterOptions(), CancellationToken.None);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (var i = 0; i < Replicas; i++)
        {
            using var registered = await http.PostAsync(new Uri(source.Nodes[0].BaseAddress,
                $"/nacos/v1/ns/instance?serviceName=payments&ip=10.3.{i / 250}.{i % 250}&port=9000&ephemeral=false"), null);
            registered.EnsureSuccessStatusCode();
        }

        var daemons = new[] { Start("r1", state, source, target), Start("r2", state, source, target) };
        try
        {
            await WaitAsync(async () => (await CountAsync(http, target)).Total == Replicas, TimeSpan.FromSeconds(60), "the replicas reach the target");
            var owner = await WaitForOwnerAsync(http, daemons, TimeSpan.FromSeconds(10));
            var survivor = daemons.Single(d => d != owner);
            await Task.Delay(TimeSpan.FromSeconds(6)); // a few beats in steady state

            var killedAt = Stopwatch.StartNew();
            owner.Process.Kill(entireProcessTree: true);
            TimeSpan? tookOver = null;
            var worstHealthy = Replicas;
            var worstTotal = Replicas;
            while (killedAt.Elapsed < TimeSpan.FromSeconds(40))
            {
                var (total, healthy) = await CountAsync(http, target);
                worstHealthy = Math.Min(worstHealthy, healthy);
                worstTotal = Math.Min(worstTotal, total);
                if (tookOver is null && await OwnsAsync(http, survivor))
                {
                    tookOver = killedAt.Elapsed;
                }

                await Task.Delay(500);
            }

            await TestContext.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"takeover: {Replicas} replicas; survivor owned the task {tookOver?.TotalSeconds:0.0} s after SIGKILL; "
                + $"over 40 s of 500 ms polls the target showed at least {worstTotal} replicas, at least {worstHealthy} healthy"));
            Assert.Multiple(() =>
            {
                Assert.That(tookOver, Is.Not.Null.And.LessThanOrEqualTo(TimeSpan.FromSeconds(10)), "lease 6 s + renew 2 s, and a little slack");
                Assert.That(worstTotal, Is.EqualTo(Replicas), "no replica ever disappears from the target");
            });
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
                daemon.Process.Dispose();
                File.Delete(daemon.Config);
            }
        }
    }

    private sealed record Daemon(string Name, Process Process, Uri Endpoint, string Config);

    private static Daemon Start(string name, NacosSync.Storage.Database.SqlDatabase state, SandboxCluster source, SandboxCluster target)
    {
        var port = FreePort();
        var config = Path.Combine(Path.GetTempPath(), $"nacos-sync-{name}-{Guid.NewGuid():N}.json");
        var settings = new
        {
            Clusters = new Dictionary<string, object> { ["a"] = new { ServerAddresses = source.ServerAddresses }, ["b"] = new { ServerAddresses = target.ServerAddresses } },
            Tasks = new Dictionary<string, object>
            {
                ["t"] = new { Source = "a", Target = "b", Config = new { Enabled = false }, Schedule = new { FullCron = "0 0 0 1 1 ? 2099", IncrementalInterval = "00:00:01" } },
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

    private static async Task<(int Total, int Healthy)> CountAsync(HttpClient http, SandboxCluster target)
    {
        try
        {
            var body = await http.GetStringAsync(new Uri(target.Nodes[0].BaseAddress, "/nacos/v1/ns/instance/list?serviceName=payments&healthyOnly=false"));
            var hosts = JsonDocument.Parse(body).RootElement.GetProperty("hosts").EnumerateArray().ToList();
            return (hosts.Count, hosts.Count(h => h.GetProperty("healthy").GetBoolean()));
        }
        catch (HttpRequestException)
        {
            return (0, 0);
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

    private static async Task<Daemon> WaitForOwnerAsync(HttpClient http, Daemon[] daemons, TimeSpan timeout)
    {
        Daemon? owner = null;
        await WaitAsync(async () =>
        {
            foreach (var daemon in daemons)
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
