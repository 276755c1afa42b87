using System.Diagnostics;
using System.Text.Json;
using Dapper;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Sandbox;
using NacosSync.Storage.Database;

namespace NacosSync.IntegrationTests.HighAvailability;

/// <summary>
/// What the two-process tests and the takeover benchmark share: one state database (MariaDB), a source and a
/// target sandbox cluster, optionally a <see cref="CountingProxy"/> in front of the target, and the daemons'
/// configuration for them. Daemons are <see cref="DaemonProcess"/>es; the caller disposes them first.
/// </summary>
internal sealed class TwoReplicaRig : IAsyncDisposable
{
    private TwoReplicaRig(SqlDatabase state, SandboxCluster source, SandboxCluster target, CountingProxy? proxy)
    {
        State = state;
        Source = source;
        Target = target;
        Proxy = proxy;
    }

    public SqlDatabase State { get; }

    public SandboxCluster Source { get; }

    public SandboxCluster Target { get; }

    /// <summary>In front of the target when registrations are counted; the daemons then reach the target over HTTP only.</summary>
    public CountingProxy? Proxy { get; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static async Task<TwoReplicaRig> StartAsync(string name, bool countRegistrations)
    {
        var state = await MariaDbServer.CreateDatabaseAsync(name);
        var source = await SandboxCluster.StartAsync(new SandboxClusterOptions(), CancellationToken.None);
        var target = await SandboxCluster.StartAsync(new SandboxClusterOptions(), CancellationToken.None);
        var proxy = countRegistrations ? await CountingProxy.StartAsync(target.Nodes[0].BaseAddress) : null;
        return new TwoReplicaRig(state, source, target, proxy);
    }

    /// <summary>Registers <paramref name="count"/> persistent instances of <paramref name="service"/> in the source (8 at a time).</summary>
    public async Task RegisterInSourceAsync(string service, int count, int subnet)
    {
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            using var registered = await Http.PostAsync(new Uri(Source.Nodes[0].BaseAddress,
                $"/nacos/v1/ns/instance?serviceName={service}&ip=10.{subnet}.{i / 250}.{i % 250}&port=9000&ephemeral=false"), null, ct);
            registered.EnsureSuccessStatusCode();
        });
    }

    /// <summary>The daemons' file: clusters a (source) and b (target, or the proxy in front of it), the tasks given, the state database.</summary>
    public Dictionary<string, object> Settings(IDictionary<string, object> tasks) => new()
    {
        ["Clusters"] = new Dictionary<string, object>
        {
            ["a"] = new { ServerAddresses = Source.ServerAddresses },
            ["b"] = Proxy is null ? (object)new { ServerAddresses = Target.ServerAddresses } : new { ServerAddresses = (IReadOnlyList<string>)[Proxy.Address], Transport = "Http" },
        },
        ["Tasks"] = tasks,
        ["State"] = new { Database = new { ConnectionString = NacosSync.IntegrationTests.Hosting.DaemonHostTests.StateConnectionString(State) } },
    };

    /// <summary>A naming-only task from a to b on <paramref name="service"/>, full runs on <paramref name="fullCron"/>, incremental every second.</summary>
    public static object NamingTask(string service, string fullCron) => new
    {
        Source = "a",
        Target = "b",
        Config = new { Enabled = false },
        Naming = new { ServiceFilter = new { Include = new[] { service } } },
        Schedule = new { FullCron = fullCron, IncrementalInterval = "00:00:01" },
    };

    /// <summary>The target's instances of <paramref name="service"/> (read straight from the node, not through the proxy); (0, 0) when unreadable.</summary>
    public async Task<(int Total, int Healthy)> TargetCountAsync(string service)
    {
        try
        {
            var body = await Http.GetStringAsync(new Uri(Target.Nodes[0].BaseAddress, $"/nacos/v1/ns/instance/list?serviceName={service}&healthyOnly=false"));
            using var document = JsonDocument.Parse(body);
            var hosts = document.RootElement.GetProperty("hosts").EnumerateArray().ToList();
            return (hosts.Count, hosts.Count(h => h.GetProperty("healthy").GetBoolean()));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return (0, 0);
        }
    }

    /// <summary>The task's fencing token: how many times it has changed hands (0 when never taken).</summary>
    public async Task<long> LeaseTokenAsync(string task)
    {
        await using var connection = await State.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long?>("SELECT token FROM nacossync_task_lease WHERE task_name = @task", new { task }) ?? 0;
    }

    /// <summary>Seconds until the task's lease lapses unless renewed (negative when lapsed), by the database's clock.</summary>
    public async Task<double> LeaseRemainingSecondsAsync(string task)
    {
        await using var connection = await State.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<double>(
            "SELECT TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(3), expires_at) / 1e6 FROM nacossync_task_lease WHERE task_name = @task", new { task });
    }

    /// <summary>Replicas whose announcement has not lapsed (<c>nacossync_replica</c>).</summary>
    public async Task<int> LiveReplicasAsync()
    {
        await using var connection = await State.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM nacossync_replica WHERE expires_at > UTC_TIMESTAMP(3)");
    }

    /// <summary>The instance ids (<c>NAME-suffix</c>) whose announcement has not lapsed; a killed process's lingers for up to a lease duration.</summary>
    public async Task<IReadOnlyList<string>> LiveMembersAsync()
    {
        await using var connection = await State.OpenAsync(CancellationToken.None);
        return [.. await connection.QueryAsync<string>("SELECT member FROM nacossync_replica WHERE expires_at > UTC_TIMESTAMP(3)")];
    }

    /// <summary>Polls <paramref name="condition"/> every 250 ms; fails naming <paramref name="what"/> and the daemons' last output after <paramref name="timeout"/>.</summary>
    public static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, params DaemonProcess[] daemons)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            if (waited.Elapsed > timeout)
            {
                Assert.Fail($"not reached within {timeout}: {what}\n" + string.Join("\n", daemons.Select(d => $"--- {d.Name} ---\n{d.Tail()}")));
            }

            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (Proxy is not null)
        {
            await Proxy.DisposeAsync();
        }

        await Target.DisposeAsync();
        await Source.DisposeAsync();
    }
}
