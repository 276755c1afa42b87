using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using NacosSync.Core.Options;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.Engine.Clusters;
using NacosSync.Engine.Naming;
using NacosSync.IntegrationTests.Sandbox;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Naming;

/// <summary>
/// A source and a target sandbox (2.4, real time) and daemons of task <c>t</c> in <c>ReplicaHolding: Connection</c>,
/// each with its own cluster registry (so its own gRPC connection) over one run-state store, as replicas of the daemon
/// share the state database. Source instances are persistent (they need no beats of the test).
/// </summary>
internal sealed class ConnectionHoldingHarness : IAsyncDisposable
{
    public const string Task = "t";

    private readonly List<Daemon> _daemons = [];

    private ConnectionHoldingHarness(SandboxCluster source, SandboxCluster target, NacosSyncOptions options)
    {
        Source = source;
        Target = target;
        Options = options;
        Http = SandboxTestKit.Client(target.Nodes[0]);
    }

    public SandboxCluster Source { get; }

    public SandboxCluster Target { get; }

    public NacosSyncOptions Options { get; }

    public IRunStateStore Store { get; } = new InMemoryRunStateStore(TimeProvider.System);

    public HttpClient Http { get; }

    /// <param name="heartbeatTimeout">The preserved.* terms stamped on replicas: short, so a replica left to HTTP without beats would show.</param>
    public static async Task<ConnectionHoldingHarness> StartAsync(TimeSpan? heartbeatTimeout = null, NacosVersionProfile targetProfile = NacosVersionProfile.V2_4)
    {
        var source = await SandboxTestKit.StartAsync();
        var target = await SandboxTestKit.StartAsync(profile: targetProfile);
        var options = new NacosSyncOptions();
        options.Clusters["a"] = new ClusterOptions { ServerAddresses = [.. source.ServerAddresses] };
        options.Clusters["b"] = new ClusterOptions { ServerAddresses = [.. target.ServerAddresses] };
        var timeout = heartbeatTimeout ?? TimeSpan.FromSeconds(30);
        options.Tasks[Task] = new SyncTaskOptions
        {
            Source = "a",
            Target = "b",
            Config = new ConfigSyncOptions { Enabled = false },
            Guards = new GuardOptions { RemovalGrace = TimeSpan.Zero },
            Naming = new NamingSyncOptions
            {
                ReplicaHolding = ReplicaHolding.Connection,
                Heartbeat = new ReplicaHeartbeatOptions { Interval = TimeSpan.FromSeconds(1), Timeout = timeout, DeleteTimeout = timeout + TimeSpan.FromSeconds(1) },
            },
        };
        return new ConnectionHoldingHarness(source, target, options);
    }

    /// <summary>A daemon; <paramref name="standby"/>: high availability on (it mirrors the task while it does not own it).</summary>
    public Daemon StartDaemon(bool standby)
    {
        var clients = new ClusterRegistry(Microsoft.Extensions.Options.Options.Create(Options), TimeProvider.System, NullLoggerFactory.Instance);
        var keeper = new ReplicaKeeper(clients, Store, TimeProvider.System, NullLogger<ReplicaKeeper>.Instance, restoreTasks: standby ? [] : [Task],
            holding: ReplicaHoldingPlan.For(Options, standby));
        var runner = NamingRuns.Create(Microsoft.Extensions.Options.Options.Create(Options), clients, keeper, Store, TimeProvider.System, NullLoggerFactory.Instance, feed: null);
        var daemon = new Daemon(clients, keeper, runner);
        _daemons.Add(daemon);
        return daemon;
    }

    /// <summary>Registers persistent source instances <c>10.1.{s}.{i}:8080</c> in services <c>svc-{s}</c>.</summary>
    public async Task RegisterSourceAsync(int services, int perService)
    {
        for (var s = 0; s < services; s++)
        {
            for (var i = 0; i < perService; i++)
            {
                await RegisterSourceAsync($"svc-{s}", $"10.1.{s}.{i}");
            }
        }
    }

    public async Task RegisterSourceAsync(string service, string ip)
    {
        using var source = SandboxTestKit.Client(Source.Nodes[0]);
        var (status, body) = await source.SendAsync(HttpMethod.Post, $"/nacos/v1/ns/instance?serviceName={service}&ip={ip}&port=8080&ephemeral=false");
        Assert.That(status, Is.EqualTo(200), body);
    }

    public async Task DeregisterSourceAsync(string service, string ip)
    {
        using var source = SandboxTestKit.Client(Source.Nodes[0]);
        var (status, body) = await source.SendAsync(HttpMethod.Delete, $"/nacos/v1/ns/instance?serviceName={service}&ip={ip}&port=8080&ephemeral=false");
        Assert.That(status, Is.EqualTo(200), body);
    }

    /// <summary>The target's instances of a service as a consumer lists them: "ip:port" (duplicates kept) and how many are healthy.</summary>
    public async Task<(List<string> Hosts, int Healthy)> TargetAsync(string service)
    {
        var body = await Http.GetStringAsync(new Uri($"/nacos/v1/ns/instance/list?serviceName={service}&healthyOnly=false", UriKind.Relative));
        var hosts = JsonDocument.Parse(body).RootElement.GetProperty("hosts").EnumerateArray().ToList();
        return ([.. hosts.Select(h => $"{h.GetProperty("ip").GetString()}:{h.GetProperty("port").GetInt32()}").Order(StringComparer.Ordinal)],
            hosts.Count(h => h.GetProperty("healthy").GetBoolean()));
    }

    /// <summary>Every replica in the target over <paramref name="services"/> services.</summary>
    public async Task<int> TargetCountAsync(int services)
    {
        var total = 0;
        for (var s = 0; s < services; s++)
        {
            total += (await TargetAsync($"svc-{s}")).Hosts.Count;
        }

        return total;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var daemon in _daemons)
        {
            await daemon.DisposeAsync();
        }

        Http.Dispose();
        await Source.DisposeAsync();
        await Target.DisposeAsync();
    }

    internal sealed class Daemon(ClusterRegistry clients, ReplicaKeeper keeper, NamingSyncRunner runner) : IAsyncDisposable
    {
        private bool _disposed;

        public ClusterRegistry Clients => clients;

        public ReplicaKeeper Keeper => keeper;

        public Task<SyncRunResult> FullRunAsync() => runner.RunAsync(Task, SyncMode.Full, SyncRunRequest.Default, CancellationToken.None);

        /// <summary>As SIGKILL looks to the target: the daemon's connections close, nothing else is said.</summary>
        public async ValueTask DisposeAsync()
        {
            if (!_disposed)
            {
                _disposed = true;
                keeper.Dispose();
                await clients.DisposeAsync();
            }
        }
    }
}
