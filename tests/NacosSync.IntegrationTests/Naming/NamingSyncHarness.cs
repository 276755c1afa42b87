using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NacosSync.Core.Naming;
using NacosSync.Core.Options;
using NacosSync.Core.Sync;
using NacosSync.Engine.Clusters;
using NacosSync.Engine.Naming;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.IntegrationTests.Sandbox;
using NacosSync.Nacos.Naming;
using NacosSync.Sandbox;
using NacosSync.Storage.State;
using NacosSync.Core.State;

namespace NacosSync.IntegrationTests.Naming;

/// <summary>
/// Two sandbox clusters ("a" and "b") on one fake clock and the naming sync wired as the daemon
/// wires it, minus Quartz: tests call <see cref="RunAsync"/> and drive heartbeats and expiry by hand.
/// </summary>
internal sealed class NamingSyncHarness : IAsyncDisposable
{
    private readonly bool _grpcFeed;

    private NamingSyncHarness(SandboxCluster a, SandboxCluster b, FakeTimeProvider clock, NacosSyncOptions options, IRunStateStore store, bool grpcFeed = false)
    {
        _grpcFeed = grpcFeed;
        A = a;
        B = b;
        Clock = clock;
        Options = options;
        Store = store;
        Clients = new ClusterRegistry(Microsoft.Extensions.Options.Options.Create(options), clock, NullLoggerFactory.Instance);
        Start();
    }

    public SandboxCluster A { get; }

    public SandboxCluster B { get; }

    public FakeTimeProvider Clock { get; }

    public NacosSyncOptions Options { get; }

    /// <summary>The run-state store: it outlives <see cref="RestartAsync"/>, as the state database outlives the daemon.</summary>
    public IRunStateStore Store { get; }

    public ClusterRegistry Clients { get; }

    public ReplicaKeeper Keeper { get; private set; } = null!;

    public NamingChangeFeed Feed { get; private set; } = null!;

    public NamingSyncRunner Runner { get; private set; } = null!;

    public NacosNamingClient SourceApi => Clients.Naming("a");

    public NacosNamingClient TargetApi => Clients.Naming("b");

    public static async Task<NamingSyncHarness> StartAsync(NacosVersionProfile profile = NacosVersionProfile.V2_4, Action<SyncTaskOptions>? configure = null,
        bool twoWay = false, int sourceNodes = 1, bool auth = false, bool mySqlState = false, NacosVersionProfile? targetProfile = null, bool databases = false,
        bool grpcFeed = false)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var a = await StartClusterAsync(profile, sourceNodes, clock, auth, databases);
        var b = await StartClusterAsync(targetProfile ?? profile, 1, clock, auth, databases);
        var options = new NacosSyncOptions();
        options.Clusters["a"] = new ClusterOptions { ServerAddresses = [.. a.ServerAddresses], RequestTimeout = TimeSpan.FromSeconds(1) };
        options.Clusters["b"] = new ClusterOptions { ServerAddresses = [.. b.ServerAddresses], RequestTimeout = TimeSpan.FromSeconds(1) };
        V3SandboxKit.Credentials(options.Clusters["a"], profile);
        V3SandboxKit.Credentials(options.Clusters["b"], targetProfile ?? profile);
        if (auth)
        {
            foreach (var cluster in options.Clusters.Values)
            {
                cluster.Username = "nacos";
                cluster.Password = "nacos";
            }
        }

        // No removal grace unless a test asks for one: most tests look at what one run removes.
        var task = new SyncTaskOptions { Source = "a", Target = "b", Config = new ConfigSyncOptions { Enabled = false }, Guards = new GuardOptions { RemovalGrace = TimeSpan.Zero } };
        configure?.Invoke(task);
        options.Tasks["a-to-b"] = task;
        if (twoWay)
        {
            options.Tasks["b-to-a"] = new SyncTaskOptions { Source = "b", Target = "a", Config = new ConfigSyncOptions { Enabled = false } };
        }

        IRunStateStore store = new InMemoryRunStateStore(clock);
        if (mySqlState)
        {
            var database = await MariaDbServer.CreateDatabaseAsync("naming");
            await new StateSchemaMigrator(database, NullLogger<StateSchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
            store = new MySqlRunStateStore(database, clock);
        }

        return new NamingSyncHarness(a, b, clock, options, store, grpcFeed);
    }

    /// <summary>
    /// A shipped 3.1+ comes up with its identity and admin user (<see cref="V3SandboxKit.StartProvisionedAsync"/>); older ones
    /// with <paramref name="auth"/> as asked. <paramref name="withDatabase"/> (the <c>databases</c> option): the clusters keep namespaces in their config databases (tenant_info) as Nacos does.
    /// </summary>
    private static async Task<SandboxCluster> StartClusterAsync(NacosVersionProfile profile, int nodes, FakeTimeProvider clock, bool auth, bool withDatabase)
    {
        var database = withDatabase ? await MariaDbServer.CreateDatabaseAsync("naming") : null;
        return NacosProfileTraits.For(profile).ShippedAuth
            ? await V3SandboxKit.StartProvisionedAsync(new SandboxClusterOptions { Nodes = nodes, Profile = profile, TimeProvider = clock, MaintenancePeriod = null, Database = database })
            : await SandboxTestKit.StartAsync(nodes: nodes, profile: profile, clock: clock, configure: o =>
            {
                o.AuthEnabled = auth;
                o.Database = database;
            });
    }

    /// <summary>A new keeper, feed and runner, as after a daemon restart (the clusters and the store live on); the keeper loads its replicas as at start.</summary>
    public async Task RestartAsync()
    {
        Keeper.Dispose();
        Feed.Dispose();
        Start();
        await Keeper.RestoreAsync(CancellationToken.None);
    }

    public Task<SyncRunResult> RunAsync(SyncMode mode = SyncMode.Full, SyncRunRequest? request = null, string task = "a-to-b") =>
        Runner.RunAsync(task, mode, request ?? SyncRunRequest.Default, CancellationToken.None);

    /// <summary>Moves the clock by <paramref name="by"/>, sends the beats due and lets both clusters expire what is stale.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        Clock.Advance(by);
        await Keeper.BeatDueAsync(CancellationToken.None);
        await A.RunMaintenanceAsync();
        await B.RunMaintenanceAsync();
    }

    public static NamingInstance Instance(string service, string ip, int port = 8080, string ns = "public", string group = "DEFAULT_GROUP", double weight = 1,
        bool enabled = true, bool healthy = true, bool ephemeral = true, string cluster = "DEFAULT", params (string Key, string Value)[] metadata) =>
        new(new InstanceKey(new ServiceKey(ns, group, service), cluster, ip, port), weight, enabled, healthy, ephemeral,
            metadata.ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal));

    /// <summary>Every instance of a namespace of a cluster, disabled ones included (catalog).</summary>
    public static async Task<List<NamingInstance>> AllAsync(NacosNamingClient client, string ns = "public") =>
        [.. (await client.ReadCatalogAsync(ns, defaultEphemeral: true, CancellationToken.None) ?? []).SelectMany(s => s.Instances)];

    public async ValueTask DisposeAsync()
    {
        Keeper.Dispose();
        Feed.Dispose();
        Clients.Dispose();
        await A.DisposeAsync();
        await B.DisposeAsync();
    }

    /// <summary>Another process over the same clusters and store, e.g. the CLI's one-off <c>resync</c> while the daemon runs.</summary>
    public (ReplicaKeeper Keeper, NamingChangeFeed Feed, NamingSyncRunner Runner) OtherProcess()
    {
        var keeper = new ReplicaKeeper(Clients, Store, Clock, NullLogger<ReplicaKeeper>.Instance, restoreTasks: ["a-to-b"]);
        // With grpcFeed, as the daemon wires it: a source on gRPC (Transport Auto, 2.x/3.x) is watched through subscriptions.
        var feed = new NamingChangeFeed(Store, Clock, NullLogger<NamingChangeFeed>.Instance, new NamingChangeFeedOptions { ClientIp = "127.0.0.1" },
            _grpcFeed ? Clients : null);
        var runner = NamingRuns.Create(Microsoft.Extensions.Options.Options.Create(Options), Clients, keeper, Store, Clock, NullLoggerFactory.Instance, feed);
        return (keeper, feed, runner);
    }

    private void Start() => (Keeper, Feed, Runner) = OtherProcess();
}
