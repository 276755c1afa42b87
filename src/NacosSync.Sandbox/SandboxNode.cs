using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NacosSync.Sandbox.Auth;
using NacosSync.Sandbox.Config;
using NacosSync.Sandbox.Hosting;

namespace NacosSync.Sandbox;

/// <summary>
/// One node of a sandbox cluster: its own HTTP port, its own config cache (served to readers),
/// the cluster's shared naming data. Can be stopped and restarted on the same port.
/// </summary>
public sealed class SandboxNode : IAsyncDisposable
{
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private WebApplication? _app;
    private Task _localCacheRefresh = Task.CompletedTask;
    private DateTime? _dumpWindowStart;
    private DateTimeOffset _nextDumpAt;
    private bool _dumpWorkerWedged;

    internal SandboxNode(SandboxCluster cluster, int index, int port, int consolePort = 0)
    {
        Cluster = cluster;
        Index = index;
        Port = port;
        Cache = new ConfigCache();
        Listeners = new ConfigListeners(Cache);
        Console = cluster.Traits.ConsolePort ? new ConsoleHost(this, consolePort) : null;
        Grpc = new Grpc.SandboxGrpcServer(this);
    }

    /// <summary>Position in <see cref="SandboxCluster.Nodes"/>.</summary>
    public int Index { get; }

    /// <summary>The HTTP port (known once the node first started).</summary>
    public int Port { get; private set; }

    /// <summary><c>http://host:port</c>.</summary>
    public Uri BaseAddress => new($"http://{Cluster.Options.Host}:{Port}");

    /// <summary><c>host:port</c>, as Nacos lists its members.</summary>
    public string Address => $"{Cluster.Options.Host}:{Port}";

    /// <summary>3.x: the console's own port (<c>nacos.console.port</c>); null before 3.0, which serve the console on <see cref="Port"/>.</summary>
    public int? ConsolePort => Console?.Port;

    /// <summary>3.x: <c>host:consolePort</c>; null before 3.0.</summary>
    public string? ConsoleAddress => Console is { } console ? $"{Cluster.Options.Host}:{console.Port}" : null;

    /// <summary>3.x: <c>http://host:consolePort</c> (the console's context path is empty by default); null before 3.0.</summary>
    public Uri? ConsoleBaseAddress => ConsoleAddress is { } address ? new Uri($"http://{address}") : null;

    /// <summary>The fault switch for this node.</summary>
    public SandboxFaults Faults { get; } = new();

    /// <summary>Every request this node was asked, HTTP and gRPC (<c>GET /sandbox/requests</c> answers them).</summary>
    public SandboxRequestCounts Requests { get; } = new();

    /// <summary>The gRPC connection fault switch for this node (drop all connections, stall).</summary>
    public SandboxConnectionFaults ConnectionFaults => Grpc.Faults;

    /// <summary>The gRPC port (HTTP port + 1000 unless the options give one; 0 before the first start and on 1.4).</summary>
    public int GrpcPort => Grpc.Port;

    /// <summary><c>host:grpcPort</c>, or null when the profile has no gRPC (1.4).</summary>
    public string? GrpcAddress => Grpc.Profile.Serves ? $"{Cluster.Options.Host}:{GrpcPort}" : null;

    /// <summary>Number of set-up gRPC connections on this node.</summary>
    public int GrpcConnectionCount => Grpc.Connections.Count;

    /// <summary>Server pushes on this node's connections not answered yet (each push expects a response with its requestId).</summary>
    public int GrpcPushesAwaitingAnswer => Grpc.Connections.All.Sum(c => c.AwaitingAck.Count);

    /// <summary>True while the node accepts requests.</summary>
    public bool IsRunning => _app is not null;

    /// <summary>Number of keys in this node's config cache.</summary>
    public int CachedConfigCount => Cache.Count;

    /// <summary>True when the 2.4 dump-change worker of this node wedged on a mass delete (until restart).</summary>
    public bool DumpWorkerWedged => _dumpWorkerWedged;

    internal SandboxCluster Cluster { get; }

    internal ConfigCache Cache { get; }

    internal ConfigListeners Listeners { get; }

    private ConsoleHost? Console { get; }
    internal Grpc.SandboxGrpcServer Grpc { get; }

    /// <summary>Completes when the last <c>localCache</c> refresh this node accepted has finished.</summary>
    public Task WhenLocalCacheRefreshedAsync() => Volatile.Read(ref _localCacheRefresh);

    /// <summary>Starts (or restarts, on the same port) the node: reloads its whole cache from the DB, then listens.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        await _lifecycle.WaitAsync(ct);
        try
        {
            if (_app is not null)
            {
                return;
            }

            await LoadCacheAsync(ct);
            var pickPorts = Port == 0;
            for (var attempt = 1; _app is null; attempt++)
            {
                if (pickPorts)
                {
                    // An HTTP port whose +1000 is free for gRPC (0 when the options give the gRPC port).
                    Port = Grpc.PickHttpPort(Cluster.Options.Host);
                }

                var app = Build();
                try
                {
                    await app.StartAsync(ct);
                    var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
                    Port = new Uri(address).Port;
                    await Grpc.StartAsync(Port, ct);
                    _app = app;
                }
                catch (IOException exception) when (pickPorts && attempt < 5 && exception.InnerException is AddressInUseException)
                {
                    // Someone took a port of the picked pair between the pick and the bind: pick again.
                    await app.DisposeAsync();
                }
                catch
                {
                    await app.DisposeAsync();
                    throw;
                }
            }

            if (Console is { } console)
            {
                await console.StartAsync(ct);
            }

            SandboxLog.NodeStarted(Cluster.Logger, Index, Address, Cluster.Traits.Version);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops listening; the port is freed, open connections are closed.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        await _lifecycle.WaitAsync(ct);
        try
        {
            if (_app is null)
            {
                return;
            }

            var app = _app;
            _app = null;
            Faults.Clear();
            if (Console is { } console)
            {
                await console.StopAsync(ct);
            }

            await Grpc.StopAsync(ct);
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                timeout.CancelAfter(TimeSpan.FromSeconds(2));
                try
                {
                    await app.StopAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    // Held long polls are cut off after the grace period, as a killed server would.
                }
            }

            await app.DisposeAsync();
            SandboxLog.NodeStopped(Cluster.Logger, Index);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _lifecycle.Dispose();
    }

    /// <summary>
    /// <c>localCache</c>: re-reads every formal config_info row into this node's cache in the
    /// background; never removes keys. Returns at once.
    /// </summary>
    internal Task StartLocalCacheRefresh()
    {
        var store = Cluster.ConfigStore;
        if (store is null)
        {
            return Task.CompletedTask;
        }

        var refresh = Task.Run(async () =>
        {
            try
            {
                foreach (var row in await store.LoadAllAsync(CancellationToken.None))
                {
                    Cache.Dump(row.Key, row.ToCached());
                }
            }
#pragma warning disable CA1031 // The boundary of a background refresh: the caller got its 200 long ago.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                SandboxLog.LocalCacheFailed(Cluster.Logger, Index, exception);
            }
        });
        Volatile.Write(ref _localCacheRefresh, refresh);
        return refresh;
    }

    /// <summary>≤2.2.0 <c>dataChange</c>: re-reads one key; a missing row removes it.</summary>
    internal async Task DumpOneAsync(ConfigKey key, CancellationToken ct)
    {
        if (Cluster.ConfigStore is not { } store)
        {
            return;
        }

        var row = await store.LoadAsync(key, ct);
        if (row is null)
        {
            Cache.Remove(key);
        }
        else
        {
            Cache.Dump(key, row.ToCached());
        }
    }

    /// <summary>Runs the 2.3+ dump-change worker when its period has passed on the sandbox clock.</summary>
    internal async Task RunDumpChangeIfDueAsync(CancellationToken ct)
    {
        var interval = Cluster.Options.DumpChangeInterval;
        if (!IsRunning || Cluster.ConfigStore is not { } store || _dumpWindowStart is not { } windowStart
            || !Cluster.Traits.DumpChangeWorker || Cluster.Options.Standalone || interval is not { } period || period <= TimeSpan.Zero
            || _dumpWorkerWedged || Cluster.Clock.GetUtcNow() < _nextDumpAt)
        {
            return;
        }

        _nextDumpAt = Cluster.Clock.GetUtcNow() + period;

        // The run start is the DB's clock with milliseconds; rows carry second-precision NOW(): a row
        // written in the same second as a run start, but after it, is missed for good (reference §5).
        var runStart = await store.NowAsync(ct);
        var deleted = await store.DeletedSinceAsync(windowStart, ct);
        if (Cluster.Traits.DumpWorkerWedgesOnMassDeletes && deleted.Count >= 100)
        {
            _dumpWorkerWedged = true;
            SandboxLog.DumpWorkerWedged(Cluster.Logger, Index, deleted.Count);
            return;
        }

        var removed = 0;
        foreach (var key in deleted)
        {
            if (await store.LoadAsync(key, ct) is null && Cache.Remove(key))
            {
                removed++;
            }
        }

        var changed = 0;
        foreach (var row in await store.ChangedSinceAsync(windowStart, ct))
        {
            if (Cache.Dump(row.Key, row.ToCached()))
            {
                changed++;
            }
        }

        SandboxLog.DumpWorkerRan(Cluster.Logger, Index, changed, removed);

        _dumpWindowStart = runStart;
    }

    private async Task LoadCacheAsync(CancellationToken ct)
    {
        Cache.Clear();
        _dumpWorkerWedged = false;
        if (Cluster.ConfigStore is not { } store)
        {
            return;
        }

        _dumpWindowStart = await store.NowAsync(ct);
        _nextDumpAt = Cluster.Clock.GetUtcNow() + (Cluster.Options.DumpChangeInterval ?? TimeSpan.Zero);
        foreach (var row in await store.LoadAllAsync(ct))
        {
            Cache.Dump(row.Key, row.ToCached());
        }
    }

    private WebApplication Build()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Parse(Cluster.Options.Host), Port);
            kestrel.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
        });
        var app = builder.Build();
        app.Use(Requests.HandleAsync);
        app.Use(ApplyFaultsAndAuthAsync);
        CoreEndpoints.Map(app, this);
        Naming.NamingEndpoints.Map(app, this);
        ConfigEndpoints.Map(app, this);
        V3Endpoints.Map(app, this);
        return app;
    }

    private async Task ApplyFaultsAndAuthAsync(HttpContext context, Func<Task> next)
    {
        switch (Faults.Mode)
        {
            case FaultMode.ServerError:
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                await context.Response.WriteAsync("sandbox fault: server error", context.RequestAborted);
                return;
            case FaultMode.Hang:
                try
                {
                    // Take the release signal first, then re-check: a Clear() in between must not strand the request.
                    var released = Faults.HangReleased;
                    if (Faults.Mode == FaultMode.Hang)
                    {
                        await released.WaitAsync(context.RequestAborted);
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                break;
            case FaultMode.DropConnection:
                context.Abort();
                return;
            case FaultMode.ServerStateError when IsServerState(context.Request.Path):
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                await context.Response.WriteAsync("sandbox fault: server state error", context.RequestAborted);
                return;
        }

        if (await LegacyApiGate.RejectAsync(context, Cluster) || await AuthGate.RejectAsync(context, Cluster, consolePort: false))
        {
            return;
        }

        await next();
    }

    private static bool IsServerState(PathString path) =>
        path.Equals("/nacos/v1/console/server/state", StringComparison.Ordinal)
        || path.Equals("/nacos/v3/admin/core/state", StringComparison.Ordinal);
}
