using Microsoft.Extensions.Logging;
using NacosSync.Sandbox.Auth;
using NacosSync.Sandbox.Config;
using NacosSync.Sandbox.Hosting;
using NacosSync.Sandbox.Naming;

namespace NacosSync.Sandbox;

/// <summary>
/// A Nacos-compatible cluster in this process: N nodes on their own ports that share naming data
/// and one MySQL config database, each node with its own config cache (reference §5). For tests,
/// the demo and rehearsing a sync task before pointing it at production.
/// </summary>
public sealed class SandboxCluster : IAsyncDisposable
{
    private readonly SemaphoreSlim _maintenance = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<SandboxNode> _nodes = [];
    private Task _maintenanceLoop = Task.CompletedTask;

    private SandboxCluster(SandboxClusterOptions options)
    {
        Options = options;
        Traits = NacosProfileTraits.For(options.Profile);
        Clock = Math.Abs(options.TimeScale - 1.0) < 1e-9 ? options.TimeProvider : new ScaledTimeProvider(options.TimeProvider, options.TimeScale);
        Naming = new NamingStore(Clock, Traits, options);
        Push = new UdpPushService(Naming, Traits, Clock, options.PushClientTimeout);
        Auth = new SandboxAuth(options, Traits, Clock, options.Database is { } db ? new AuthDirectory(db) : null);
        ConfigStore = options.Database is { } database ? new ConfigStore(database, Traits) : null;
        Logger = options.LoggerFactory.CreateLogger("NacosSync.Sandbox");
    }

    /// <summary>The nodes, in start order.</summary>
    public IReadOnlyList<SandboxNode> Nodes => _nodes;

    /// <summary>Every node's <c>ip:port</c> (the server list a client is given).</summary>
    public IReadOnlyList<string> ServerAddresses => _nodes.Select(n => n.Address).ToList();

    /// <summary>The version line this cluster imitates.</summary>
    public NacosVersionProfile Profile => Options.Profile;

    /// <summary>What differs in that version line.</summary>
    public NacosProfileTraits Traits { get; }

    /// <summary>Number of UDP pushes sent so far (for tests of subscription behaviour).</summary>
    public long PushCount => Push.PushCount;

    /// <summary>HTTP heartbeats the cluster received so far (every node, every API version).</summary>
    public long BeatCount => Naming.Beats;

    /// <summary>Ephemeral instances registered over HTTP so far (gRPC registrations not counted).</summary>
    public long HttpEphemeralRegistrationCount => Naming.HttpEphemeralRegistrations;

    internal SandboxClusterOptions Options { get; }

    /// <summary>The sandbox clock (the options' TimeProvider, scaled by TimeScale).</summary>
    internal TimeProvider Clock { get; }

    internal NamingStore Naming { get; }

    internal UdpPushService Push { get; }

    internal SandboxAuth Auth { get; }

    internal ConfigStore? ConfigStore { get; }

    internal ILogger Logger { get; }

    /// <summary>Creates the schema (when a database is given), starts every node and the maintenance loop.</summary>
    public static async Task<SandboxCluster> StartAsync(SandboxClusterOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Database is { } database)
        {
            await NacosSchema.CreateAsync(database, options.Profile, ct);
        }

        var cluster = new SandboxCluster(options);
        try
        {
            await cluster.Auth.StartAsync(ct);
            for (var i = 0; i < options.Nodes; i++)
            {
                var node = new SandboxNode(cluster, i, options.Ports?[i] ?? 0, options.ConsolePorts?[i] ?? 0);
                cluster._nodes.Add(node);
                await node.StartAsync(ct);
            }

            if (options.MaintenancePeriod is { } period && period > TimeSpan.Zero)
            {
                cluster._maintenanceLoop = cluster.MaintainAsync(period, cluster._stopping.Token);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs one maintenance pass now, on the sandbox clock: ephemeral expiry (unhealthy after 15 s,
    /// deleted after 30 s), empty-service removal (60 s), push subscription lapse, each running
    /// node's dump-change worker when its period has passed, the auth cache reload (15 s), and gRPC idle detection (probe after
    /// 20 s idle, drop 5 s later without an answer). With a fake clock, advance it and call this.
    /// </summary>
    public async Task RunMaintenanceAsync(CancellationToken ct = default)
    {
        await _maintenance.WaitAsync(ct);
        try
        {
            Naming.Expire();
            Push.Expire();
            await Auth.ReloadIfDueAsync(ct);
            foreach (var node in _nodes)
            {
                await node.RunDumpChangeIfDueAsync(ct);
                node.Grpc.Connections.DetectIdle();
            }
        }
        finally
        {
            _maintenance.Release();
        }
    }

    /// <summary>The node listening on <paramref name="address"/> (<c>ip:port</c>), if any.</summary>
    public SandboxNode? FindNode(string address) => _nodes.FirstOrDefault(n => n.Address == address);

    /// <summary>
    /// The standalone command (<c>nacos-sync sandbox</c>): starts a cluster, writes one line per node
    /// (<c>node 0 http://127.0.0.1:8848 (2.4.3, cluster)</c>) to <paramref name="output"/>, and runs until
    /// <paramref name="ct"/> is cancelled.
    /// </summary>
    public static async Task RunAsync(SandboxClusterOptions options, TextWriter output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        await using var cluster = await StartAsync(options, ct);
        var mode = options.Standalone ? "standalone" : "cluster";
        foreach (var node in cluster.Nodes)
        {
            var console = node.ConsoleBaseAddress is { } address ? $", console {address}" : "";
            await output.WriteLineAsync($"node {node.Index} {node.BaseAddress} ({cluster.Traits.Version}, {mode}{console}{(options.Database is null ? ", naming only: no config database" : "")})");
        }

        await output.FlushAsync(ct);
        await cluster.RunUntilCancelledAsync(ct);
    }

    /// <summary>Runs until <paramref name="ct"/> is cancelled (the standalone command), then stops every node.</summary>
    public async Task RunUntilCancelledAsync(CancellationToken ct)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Normal shutdown.
        }

        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        try
        {
            await _maintenanceLoop;
        }
        catch (OperationCanceledException)
        {
            // The loop ends by cancellation.
        }

        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        Push.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Publishes a change made through one node's API to every running node's cache (peers' API writes).</summary>
    internal async Task RefreshAllNodesAsync(ConfigKey key, CancellationToken ct)
    {
        if (ConfigStore is not { } store)
        {
            return;
        }

        var row = await store.LoadAsync(key, ct);
        foreach (var node in _nodes.Where(n => n.IsRunning))
        {
            if (row is null)
            {
                node.Cache.Remove(key);
            }
            else
            {
                node.Cache.Dump(key, row.ToCached());
            }
        }
    }

    private async Task MaintainAsync(TimeSpan period, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(period);
        while (await timer.WaitForNextTickAsync(ct))
        {
            try
            {
                await RunMaintenanceAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The loop boundary: a failed pass (e.g. the DB briefly away) must not end maintenance.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                SandboxLog.MaintenanceFailed(Logger, exception);
            }
        }
    }
}
