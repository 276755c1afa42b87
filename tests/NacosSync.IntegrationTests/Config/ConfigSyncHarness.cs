using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NacosSync.Core.Config;
using NacosSync.Core.Options;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.Engine.Clusters;
using NacosSync.Engine.Config;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.IntegrationTests.Sandbox;
using NacosSync.Nacos.Config;
using NacosSync.Nacos.Transport;
using NacosSync.Sandbox;
using NacosSync.Storage.Config;
using NacosSync.Storage.Database;
using NacosSync.Storage.State;

namespace NacosSync.IntegrationTests.Config;

/// <summary>
/// Two sandbox clusters with their own MariaDB databases (source: 1 node, target: 2 nodes, no
/// dump-change worker so only the daemon's refresh can update the target's caches), a state
/// database, and a config runner for task <c>t</c>.
/// </summary>
internal sealed class ConfigSyncHarness : IAsyncDisposable
{
    public const string TaskName = "t";

    private readonly HttpClient _http = NacosHttp.CreateClient();
    private readonly HttpClient _interceptedHttp;
    private readonly Dictionary<string, NacosTransport> _grpcTransports = new(StringComparer.Ordinal);
    private readonly ClusterGrpcConnections _grpc;

    /// <summary>What the daemon's calls to the target's API meet: counted, and failed on demand.</summary>
    public TargetTraffic Traffic { get; } = new();

    private ConfigSyncHarness(NacosVersionProfile profile)
    {
        Profile = profile;
        _interceptedHttp = new HttpClient(new TrafficHandler(Traffic) { InnerHandler = new SocketsHttpHandler() }) { Timeout = Timeout.InfiniteTimeSpan };
        _grpc = new ClusterGrpcConnections(name => Options.Clusters[name], GrpcTransport, TimeProvider.System, NullLoggerFactory.Instance, null);
    }

    public NacosVersionProfile Profile { get; }

    public required SandboxCluster Source { get; init; }

    public required SandboxCluster Target { get; init; }

    public required SqlDatabase SourceDatabase { get; init; }

    public required SqlDatabase TargetDatabase { get; init; }

    public required SqlDatabase StateDatabase { get; init; }

    public NacosSyncOptions Options { get; } = new();

    public SyncTaskOptions Task => Options.Tasks[TaskName];

    public string SourcePublic => Source.Traits.PublicConfigTenant;

    public string TargetPublic => Target.Traits.PublicConfigTenant;

    public ConfigRowWriter SourceWriter { get; private set; } = null!;

    public ConfigRowWriter TargetWriter { get; private set; } = null!;

    public NacosConfigClient TargetApi { get; private set; } = null!;

    /// <param name="transport">Both clusters' <c>Transport</c>; Http (the default here) keeps the config clients off gRPC.</param>
    public static async Task<ConfigSyncHarness> StartAsync(NacosVersionProfile profile, ConfigSyncMode mode = ConfigSyncMode.Database, NacosVersionProfile? targetProfile = null, int targetNodes = 2,
        ClusterTransport transport = ClusterTransport.Http)
    {
        var sourceDb = await MariaDbServer.CreateDatabaseAsync("cfgsrc");
        var targetDb = await MariaDbServer.CreateDatabaseAsync("cfgtgt");
        var stateDb = await MariaDbServer.CreateDatabaseAsync("cfgstate");
        await new StateSchemaMigrator(stateDb, NullLogger<StateSchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        // Each run of a harness shares the state database, as a restarted daemon would.
        var source = await V3SandboxKit.StartProvisionedAsync(new SandboxClusterOptions { Nodes = 1, Profile = profile, Database = sourceDb, DumpChangeInterval = null });
        var target = await V3SandboxKit.StartProvisionedAsync(new SandboxClusterOptions { Nodes = targetNodes, Profile = targetProfile ?? profile, Database = targetDb, DumpChangeInterval = null });
        var harness = new ConfigSyncHarness(profile)
        {
            Source = source, Target = target, SourceDatabase = sourceDb, TargetDatabase = targetDb, StateDatabase = stateDb,
        };
        harness.Options.Clusters["src"] = new ClusterOptions { ServerAddresses = [.. source.ServerAddresses], Transport = transport };
        harness.Options.Clusters["tgt"] = new ClusterOptions { ServerAddresses = [.. target.ServerAddresses], Transport = transport };
        V3SandboxKit.Credentials(harness.Options.Clusters["src"], profile);
        V3SandboxKit.Credentials(harness.Options.Clusters["tgt"], targetProfile ?? profile);
        harness.Options.Tasks[TaskName] = new SyncTaskOptions
        {
            Source = "src",
            Target = "tgt",
            Config = new ConfigSyncOptions { Mode = mode, VerifyDeadline = TimeSpan.FromSeconds(5) },
        };
        harness.SourceWriter = new ConfigRowWriter(sourceDb, await ConfigSchema.DetectAsync(sourceDb, CancellationToken.None));
        harness.TargetWriter = new ConfigRowWriter(targetDb, await ConfigSchema.DetectAsync(targetDb, CancellationToken.None));
        harness.TargetApi = harness.Client("tgt", target);
        return harness;
    }

    /// <summary>
    /// A client with the credentials of <see cref="Options"/>' cluster <paramref name="name"/> (a shipped 3.1+ needs them); on gRPC
    /// when that cluster's <c>Transport</c> is not Http, through the harness's connections (one per cluster, purpose and node, as the registry's).
    /// </summary>
    public NacosConfigClient Client(string name, SandboxCluster cluster, bool intercepted = false)
    {
        var credentials = Options.Clusters.TryGetValue(name, out var c) ? c : new ClusterOptions();
        var grpc = credentials.Transport == ClusterTransport.Http ? null : _grpc.ForConfig(name);
        return new(Transport(name, cluster, intercepted ? _interceptedHttp : _http), grpc);
    }

    private NacosTransport Transport(string name, SandboxCluster cluster, HttpClient http)
    {
        var credentials = Options.Clusters.TryGetValue(name, out var c) ? c : new ClusterOptions();
        return new NacosTransport(
            new NacosTransportOptions
            {
                Name = name, Servers = [.. cluster.Nodes.Select(n => n.BaseAddress)], RetryDelay = TimeSpan.FromMilliseconds(20),
                Username = credentials.Username, Password = credentials.Password, IdentityKey = credentials.IdentityKey, IdentityValue = credentials.IdentityValue,
            },
            http);
    }

    /// <summary>The transport the gRPC connections of cluster <paramref name="name"/> take their version, nodes and token from.</summary>
    private NacosTransport GrpcTransport(string name)
    {
        lock (_grpcTransports)
        {
            if (!_grpcTransports.TryGetValue(name, out var transport))
            {
                transport = Transport(name, name == "src" ? Source : Target, _http);
                _grpcTransports[name] = transport;
            }

            return transport;
        }
    }

    /// <summary>The run state the runners share (the state database), as a restarted daemon finds it.</summary>
    public IRunStateStore State => new MySqlRunStateStore(StateDatabase, TimeProvider.System);

    public ConfigOwnershipLedger Ledger => new(StateDatabase);

    /// <summary>A new runner, as after a restart: nothing kept in memory but the databases.</summary>
    /// <param name="watches">The source watch (config over gRPC): set, the source's gRPC connection for listening is given to the runs.</param>
    public ConfigSyncRunner Runner(bool skipRefresh = false, bool deleteThroughApi = true, Func<IConfigTarget, IConfigTarget>? decorateTarget = null, IRunStateStore? state = null,
        TimeSpan? historyOverlap = null, ConfigSourceWatches? watches = null)
    {
        var endpoints = new ConfigTaskEndpoints
        {
            SourceDatabase = SourceDatabase,
            TargetDatabase = Task.Config.Mode == ConfigSyncMode.Database ? TargetDatabase : null,
            SourceApi = Client("src", Source),
            TargetApi = Client("tgt", Target, intercepted: true),
            SourceListen = Options.Clusters["src"].Transport == ClusterTransport.Http ? null : ct => _grpc.GetAsync("src", "config", "listen", ct),
        };
        return new ConfigSyncRunner(new StaticOptionsMonitor(Options), state ?? State,
            Ledger, new FixedConfigEndpointsProvider(endpoints), TimeProvider.System, NullLogger<ConfigSyncRunner>.Instance, watches)
        {
            SkipCacheRefresh = skipRefresh,
            DeleteThroughApi = deleteThroughApi,
            TargetDecorator = decorateTarget,
            HistoryOverlap = historyOverlap ?? TimeSpan.FromSeconds(60),
        };
    }

    public Task<SyncRunResult> RunAsync(SyncMode mode, ConfigSyncRunner? runner = null, SyncRunRequest? request = null) =>
        (runner ?? Runner()).RunAsync(TaskName, mode, request ?? SyncRunRequest.Default, CancellationToken.None);

    public ConfigKey SourceKey(string dataId, string? tenant = null, string group = "DEFAULT_GROUP") => new(tenant ?? SourcePublic, group, dataId);

    public ConfigKey TargetKey(string dataId, string? tenant = null, string group = "DEFAULT_GROUP") => new(tenant ?? TargetPublic, group, dataId);

    public async Task WriteSourceAsync(string dataId, string content, string? tenant = null)
    {
        var result = await SourceWriter.UpsertAsync(new ConfigRow(SourceKey(dataId, tenant), content, new ConfigAttributes("text", "", "", "", "")), CancellationToken.None);
        Assert.That(result.Changed, Is.True, $"test setup: writing {dataId} in the source: {result.Outcome} {result.Error}");
    }

    public async Task WriteTargetAsync(string dataId, string content, string? tenant = null, string group = "DEFAULT_GROUP")
    {
        var result = await TargetWriter.UpsertAsync(new ConfigRow(TargetKey(dataId, tenant, group), content, new ConfigAttributes("text", "", "", "", "")), CancellationToken.None);
        Assert.That(result.Changed, Is.True, $"test setup: writing {dataId} in the target: {result.Outcome} {result.Error}");
    }

    public async Task WriteSourceAsync(ConfigKey key, string content)
    {
        var result = await SourceWriter.UpsertAsync(new ConfigRow(key, content, new ConfigAttributes("text", "", "", "", "")), CancellationToken.None);
        Assert.That(result.Changed, Is.True, $"test setup: writing {key} in the source: {result.Outcome} {result.Error}");
    }

    public async Task DeleteSourceAsync(string dataId, string? tenant = null)
    {
        var result = await SourceWriter.DeleteAsync(SourceKey(dataId, tenant), CancellationToken.None);
        Assert.That(result.Outcome, Is.EqualTo(ConfigWriteOutcome.Deleted), $"test setup: deleting {dataId} in the source");
    }

    /// <summary>What each target node serves for the key: its md5, or null when absent.</summary>
    public async Task<IReadOnlyList<string?>> ServedByEveryNodeAsync(ConfigKey key)
    {
        var result = new List<string?>();
        foreach (var node in Target.Nodes)
        {
            result.Add((await TargetApi.GetFromNodeAsync(node.BaseAddress, key, CancellationToken.None))?.Md5);
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await _grpc.DisposeAsync();
        foreach (var transport in _grpcTransports.Values)
        {
            transport.Dispose();
        }

        await Source.DisposeAsync();
        await Target.DisposeAsync();
        _http.Dispose();
        _interceptedHttp.Dispose();
    }

    /// <summary>Counts the daemon's localCache calls and config publishes to the target and, when asked, answers its config deletes or publishes with Nacos's 403.</summary>
    internal sealed class TargetTraffic
    {
        private int _localCacheCalls;
        private int _publishes;

        public bool ForbidDeletes { get; set; }

        public bool ForbidPublishes { get; set; }

        public int LocalCacheCalls => Volatile.Read(ref _localCacheCalls);

        /// <summary>HTTP publishes (<c>POST …/cs/configs</c>) that reached the target, refused ones included.</summary>
        public int Publishes => Volatile.Read(ref _publishes);

        internal void CountLocalCache() => Interlocked.Increment(ref _localCacheCalls);

        internal void CountPublish() => Interlocked.Increment(ref _publishes);
    }

    private sealed class TrafficHandler(TargetTraffic traffic) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri?.AbsolutePath ?? "";
            if (path.EndsWith("/cs/ops/localCache", StringComparison.Ordinal))
            {
                traffic.CountLocalCache();
            }

            var publish = request.Method == HttpMethod.Post && path.EndsWith("/cs/configs", StringComparison.Ordinal);
            if (publish)
            {
                traffic.CountPublish();
            }

            if ((traffic.ForbidDeletes && request.Method == HttpMethod.Delete && path.EndsWith("/cs/configs", StringComparison.Ordinal)) || (traffic.ForbidPublishes && publish))
            {
                // Nacos's answer to a user without write permission (reference section 2, errors).
                return System.Threading.Tasks.Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.Forbidden)
                {
                    Content = new StringContent("{\"status\":403,\"error\":\"Forbidden\",\"message\":\"authorization failed!\"}"),
                });
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class StaticOptionsMonitor(NacosSyncOptions value) : IOptionsMonitor<NacosSyncOptions>
    {
        public NacosSyncOptions CurrentValue => value;

        public NacosSyncOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<NacosSyncOptions, string?> listener) => null;
    }
}
