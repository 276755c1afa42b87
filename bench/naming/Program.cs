using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NacosSync.Core.Naming;
using NacosSync.Core.Options;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.Engine.Clusters;
using NacosSync.Engine.Naming;
using NacosSync.Nacos.Naming;
using NacosSync.Nacos.Transport;
using NacosSync.Sandbox;

// Two modes: "serve" starts the source and target sandboxes in this (child) process and prints their
// addresses; the default mode starts that child, then measures the daemon side alone, so its memory
// figures are not mixed with the servers'.
if (args.Length > 0 && args[0] == "serve")
{
    await using var source = await SandboxCluster.StartAsync(new SandboxClusterOptions { Profile = NacosVersionProfile.V2_4 }, CancellationToken.None);
    await using var target = await SandboxCluster.StartAsync(new SandboxClusterOptions { Profile = NacosVersionProfile.V2_4 }, CancellationToken.None);
    Console.WriteLine($"{source.ServerAddresses[0]} {target.ServerAddresses[0]}");
    await Console.In.ReadLineAsync();
    return 0;
}

var services = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var perService = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
var changeRate = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20;
var holding = args.Length > 3 ? Enum.Parse<ReplicaHolding>(args[3], ignoreCase: true) : ReplicaHolding.Heartbeat;

var viaDotnet = Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet";
using var server = Process.Start(new ProcessStartInfo(Environment.ProcessPath!, viaDotnet ? [Environment.GetCommandLineArgs()[0], "serve"] : ["serve"])
{
    RedirectStandardInput = true,
    RedirectStandardOutput = true,
    UseShellExecute = false,
})!;
var line = (await server.StandardOutput.ReadLineAsync())!.Split(' ');
Console.WriteLine($"source {line[0]}, target {line[1]}; {services} services x {perService} instances; replica holding {holding}");

var options = new NacosSyncOptions();
options.Clusters["a"] = new ClusterOptions { ServerAddresses = [line[0]], RequestTimeout = TimeSpan.FromSeconds(30) };
options.Clusters["b"] = new ClusterOptions { ServerAddresses = [line[1]], RequestTimeout = TimeSpan.FromSeconds(30) };
options.Tasks["bench"] = new SyncTaskOptions
{
    Source = "a", Target = "b", Config = new ConfigSyncOptions { Enabled = false }, Naming = new NamingSyncOptions { ReplicaHolding = holding },
};

var counter = new CountingHandler(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
using var http = new HttpClient(counter) { Timeout = Timeout.InfiniteTimeSpan };
using var clients = new ClusterRegistry(Options.Create(options), TimeProvider.System, NullLoggerFactory.Instance, http);
var store = new InMemoryRunStateStore(TimeProvider.System);
using var keeper = new ReplicaKeeper(clients, store, TimeProvider.System, NullLogger<ReplicaKeeper>.Instance, holding: ReplicaHoldingPlan.For(options, standby: false));
using var feed = new NamingChangeFeed(store, TimeProvider.System, NullLogger<NamingChangeFeed>.Instance, new NamingChangeFeedOptions { ClientIp = "127.0.0.1" });
var runner = NamingRuns.Create(Options.Create(options), clients, keeper, store, TimeProvider.System, NullLoggerFactory.Instance, feed);

// Source data: persistent instances (nobody beats the source in a benchmark), written by a separate, uncounted client.
using var loaderHttp = NacosHttp.CreateClient();
using var loaderTransport = new NacosTransport(new NacosTransportOptions { Name = "loader", Servers = [new Uri("http://" + line[0])], RequestTimeout = TimeSpan.FromSeconds(30) }, loaderHttp);
var loader = new NacosNamingClient(loaderTransport);
var load = Stopwatch.StartNew();
await Parallel.ForEachAsync(Enumerable.Range(0, services * perService), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
    await loader.RegisterAsync(SourceInstance(i / perService, i % perService, 1), ct));
Console.WriteLine($"loaded source in {load.Elapsed.TotalSeconds:0.0} s");

GC.Collect();
var before = Environment.WorkingSet;
var copy = await runner.RunAsync("bench", SyncMode.Full, SyncRunRequest.Default, CancellationToken.None);
var peak = Process.GetCurrentProcess().PeakWorkingSet64;
Console.WriteLine($"initial copy: {copy.Duration.TotalSeconds:0.00} s, added {copy.Added}, errors {copy.Errors.Count}; working set before {Mb(before)} MB, peak {Mb(peak)} MB, GC heap {Mb(GC.GetTotalMemory(false))} MB");

var idle = await runner.RunAsync("bench", SyncMode.Full, SyncRunRequest.Default, CancellationToken.None);
Console.WriteLine($"no-change full cycle: {idle.Duration.TotalSeconds:0.00} s, read {idle.Read}, changes {idle.Added + idle.Updated + idle.Removed}");

using var stop = new CancellationTokenSource();
await keeper.StartAsync(stop.Token);
var latencies = new System.Collections.Concurrent.ConcurrentQueue<double>();
var incremental = Task.Run(async () =>
{
    using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
    while (!stop.IsCancellationRequested && await timer.WaitForNextTickAsync(CancellationToken.None))
    {
        var r = await runner.RunAsync("bench", SyncMode.Incremental, SyncRunRequest.Default, CancellationToken.None);
        foreach (var l in r.ChangeLatencies)
        {
            latencies.Enqueue(l);
        }
    }
});

// Subscribe everything, then measure at rest.
await Task.Delay(TimeSpan.FromSeconds(12));
var (s0, t0) = counter.Snapshot(line[0], line[1]);
var (b0, cpu0) = (keeper.Holder.BatchesSent, Process.GetCurrentProcess().TotalProcessorTime);
var rest = Stopwatch.StartNew();
await Task.Delay(TimeSpan.FromSeconds(15));
var (s1, t1) = counter.Snapshot(line[0], line[1]);
var (b1, cpu1) = (keeper.Holder.BatchesSent, Process.GetCurrentProcess().TotalProcessorTime);
var cpuPerSecond = (cpu1 - cpu0).TotalSeconds / rest.Elapsed.TotalSeconds;
Console.WriteLine($"at rest: {(s1 - s0) / rest.Elapsed.TotalSeconds:0} req/s to source, {(t1 - t0) / rest.Elapsed.TotalSeconds:0} HTTP req/s and "
    + $"{(b1 - b0) / rest.Elapsed.TotalSeconds:0.0} gRPC batches/s to target ({keeper.Count} replicas kept); daemon CPU {cpuPerSecond:0.000} s/s, "
    + $"{cpuPerSecond * 10_000 / Math.Max(1, keeper.Count):0.000} CPU s/s per 10,000 replicas (feed renewals included)");

// Steady stream of instance changes.
latencies.Clear();
var changes = Stopwatch.StartNew();
var written = 0;
var random = new Random(1);
while (changes.Elapsed < TimeSpan.FromSeconds(20))
{
    var i = random.Next(services * perService);
    await loader.RegisterAsync(SourceInstance(i / perService, i % perService, 1 + random.Next(100)), CancellationToken.None);
    written++;
    await Task.Delay(1000 / changeRate);
}

await Task.Delay(TimeSpan.FromSeconds(3));
List<double> lags = [.. latencies.Order()];

Console.WriteLine($"incremental: {written} changes at ~{changeRate}/s, {lags.Count} applied service changes; lag p50 {Percentile(lags, 0.5):0.000} s, p99 {Percentile(lags, 0.99):0.000} s (push received → applied; job every 1 s)");

await stop.CancelAsync();
await incremental;
await keeper.StopAsync(CancellationToken.None);
await server.StandardInput.WriteLineAsync();
await server.WaitForExitAsync();
return 0;

static NamingInstance SourceInstance(int service, int instance, double weight) =>
    new(new InstanceKey(new ServiceKey("public", "DEFAULT_GROUP", $"svc-{service:D4}"), "DEFAULT", $"10.{service / 250}.{service % 250}.{instance + 1}", 8080),
        weight, true, true, false, new Dictionary<string, string> { ["zone"] = "z" + (instance % 3).ToString(CultureInfo.InvariantCulture) });

static long Mb(long bytes) => bytes / (1024 * 1024);

static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

/// <summary>Counts requests per host:port.</summary>
internal sealed class CountingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _counts = new();

    public (long Source, long Target) Snapshot(string source, string target) =>
        (_counts.GetValueOrDefault(source), _counts.GetValueOrDefault(target));

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _counts.AddOrUpdate(request.RequestUri!.Authority, 1, (_, n) => n + 1);
        return base.SendAsync(request, cancellationToken);
    }
}
