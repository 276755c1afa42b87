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
// The child answers "count" with what each sandbox served so far (HTTP and gRPC, counted by the server), and ends on an empty line.
if (args.Length > 0 && args[0] == "serve")
{
    await using var source = await SandboxCluster.StartAsync(new SandboxClusterOptions { Profile = NacosVersionProfile.V2_4 }, CancellationToken.None);
    await using var target = await SandboxCluster.StartAsync(new SandboxClusterOptions { Profile = NacosVersionProfile.V2_4 }, CancellationToken.None);
    Console.WriteLine($"{source.ServerAddresses[0]} {target.ServerAddresses[0]}");
    while (await Console.In.ReadLineAsync() == "count")
    {
        var served = source.Nodes[0].Requests.Snapshot();
        Console.WriteLine($"{served.Values.Sum()} {target.Nodes[0].Requests.Total} {string.Join(' ', served.Select(r => $"{r.Key}={r.Value}"))}");
    }

    return 0;
}

var services = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var perService = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
var changeRate = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20;
var transport = args.Length > 3 && args[3] == "http" ? ClusterTransport.Http : ClusterTransport.Auto; // "http": the UDP feed, as before gRPC

var viaDotnet = Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet";
using var server = Process.Start(new ProcessStartInfo(Environment.ProcessPath!, viaDotnet ? [Environment.GetCommandLineArgs()[0], "serve"] : ["serve"])
{
    RedirectStandardInput = true,
    RedirectStandardOutput = true,
    UseShellExecute = false,
})!;
var line = (await server.StandardOutput.ReadLineAsync())!.Split(' ');
Console.WriteLine($"source {line[0]}, target {line[1]}; {services} services x {perService} instances; source transport {transport}");

var options = new NacosSyncOptions();
options.Clusters["a"] = new ClusterOptions { ServerAddresses = [line[0]], RequestTimeout = TimeSpan.FromSeconds(30), Transport = transport };
options.Clusters["b"] = new ClusterOptions { ServerAddresses = [line[1]], RequestTimeout = TimeSpan.FromSeconds(30) };
options.Tasks["bench"] = new SyncTaskOptions { Source = "a", Target = "b", Config = new ConfigSyncOptions { Enabled = false } };

var counter = new CountingHandler(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
using var http = new HttpClient(counter) { Timeout = Timeout.InfiniteTimeSpan };
using var clients = new ClusterRegistry(Options.Create(options), TimeProvider.System, NullLoggerFactory.Instance, http);
var store = new InMemoryRunStateStore(TimeProvider.System);
using var keeper = new ReplicaKeeper(clients, store, TimeProvider.System, NullLogger<ReplicaKeeper>.Instance);
using var feed = new NamingChangeFeed(store, TimeProvider.System, NullLogger<NamingChangeFeed>.Instance, new NamingChangeFeedOptions { ClientIp = "127.0.0.1" }, clients);
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

// As the daemon runs it: the interval job every 1 s, and a push wakes the run at once (PushWakeups: 50 ms debounce).
var wake = System.Threading.Channels.Channel.CreateBounded<bool>(new System.Threading.Channels.BoundedChannelOptions(1) { FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite });
feed.Woken += _ => wake.Writer.TryWrite(true);
var runs = 0;
var incremental = Task.Run(async () =>
{
    while (!stop.IsCancellationRequested)
    {
        using (var tick = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
        {
            try
            {
                await wake.Reader.WaitToReadAsync(tick.Token);
                await Task.Delay(50);
                wake.Reader.TryRead(out _);
            }
            catch (OperationCanceledException)
            {
                // The 1 s tick.
            }
        }

        var r = await runner.RunAsync("bench", SyncMode.Incremental, SyncRunRequest.Default, CancellationToken.None);
        Interlocked.Increment(ref runs);
        foreach (var l in r.ChangeLatencies)
        {
            latencies.Enqueue(l);
        }
    }
});

// Subscribe everything, let the first re-reads settle, then measure at rest (40 s: includes a listing, every 30 s).
var settle = Stopwatch.StartNew();
await Task.Delay(TimeSpan.FromSeconds(12));
while (settle.Elapsed < TimeSpan.FromMinutes(3) && feed.Subscriber("bench") is { } subscriber
       && (subscriber.Subscribed < services || subscriber.Waiting > 0 || feed.OldestPending("bench") is not null))
{
    await Task.Delay(500);
}

Console.WriteLine($"subscribed and settled after {settle.Elapsed.TotalSeconds:0.0} s ({(feed.Subscriber("bench") is { } sub ? $"gRPC feed, {sub.SubscribeRequests} subscribe requests" : "UDP feed")})");
var (s0, t0) = counter.Snapshot(line[0], line[1]);
var (served0, targetServed0, detail0) = await CountAsync();
var rest = Stopwatch.StartNew();
await Task.Delay(TimeSpan.FromSeconds(40));
var (s1, t1) = counter.Snapshot(line[0], line[1]);
var (served1, targetServed1, detail1) = await CountAsync();
var secs = rest.Elapsed.TotalSeconds;
Console.WriteLine($"at rest over {secs:0} s: source served {(served1 - served0) / secs:0.0} req/s (HTTP sent by the daemon {(s1 - s0) / secs:0.0}/s), target served {(targetServed1 - targetServed0) / secs:0} req/s ({keeper.Count} replicas kept alive)");
Console.WriteLine($"  source requests at rest: {string.Join(", ", detail1.Select(d => (d.Key, n: d.Value - detail0.GetValueOrDefault(d.Key))).Where(d => d.n > 0).Select(d => $"{d.Key} {d.n}"))}");

// Steady stream of instance changes; one in ten is also timed from the source write to visible in the target.
latencies.Clear();
using var targetHttp = NacosHttp.CreateClient();
using var targetTransport = new NacosTransport(new NacosTransportOptions { Name = "probe", Servers = [new Uri("http://" + line[1])], RequestTimeout = TimeSpan.FromSeconds(30) }, targetHttp);
var probe = new NacosNamingClient(targetTransport);
var visible = new System.Collections.Concurrent.ConcurrentQueue<double>();
var probes = new List<Task>();
var weights = new Dictionary<int, int>();
var changes = Stopwatch.StartNew();
var written = 0;
var random = new Random(1);
var runsBefore = runs;
while (changes.Elapsed < TimeSpan.FromSeconds(20))
{
    var i = random.Next(services * perService);
    var weight = 1 + random.Next(100);
    weight = weight == weights.GetValueOrDefault(i, 1) ? weight % 100 + 1 : weight;
    weights[i] = weight;
    var instance = SourceInstance(i / perService, i % perService, weight);
    var at = Stopwatch.StartNew();
    await loader.RegisterAsync(instance, CancellationToken.None);
    if (written % 10 == 0)
    {
        probes.Add(Task.Run(async () =>
        {
            var target = instance.Key.Service;
            while (at.Elapsed < TimeSpan.FromSeconds(30))
            {
                var read = await probe.ListInstancesAsync(target, CancellationToken.None);
                if (read.Service.Instances.Any(x => x.Key.Ip == instance.Key.Ip && x.Weight == instance.Weight))
                {
                    visible.Enqueue(at.Elapsed.TotalSeconds);
                    return;
                }

                await Task.Delay(25);
            }
        }));
    }

    written++;
    await Task.Delay(1000 / changeRate);
}

await Task.WhenAll(probes);
await Task.Delay(TimeSpan.FromSeconds(3));
List<double> lags = [.. latencies.Order()];
List<double> seen = [.. visible.Order()];

Console.WriteLine($"incremental: {written} changes at ~{changeRate}/s, {lags.Count} applied service changes in {runs - runsBefore} runs; lag p50 {Percentile(lags, 0.5):0.000} s, p99 {Percentile(lags, 0.99):0.000} s (push received → applied)");
Console.WriteLine($"  source write → visible in the target ({seen.Count} of {probes.Count} sampled, polled every 25 ms): p50 {Percentile(seen, 0.5):0.000} s, p99 {Percentile(seen, 0.99):0.000} s, max {(seen.Count > 0 ? seen[^1] : double.NaN):0.000} s");

await stop.CancelAsync();
await incremental;
await keeper.StopAsync(CancellationToken.None);
await server.StandardInput.WriteLineAsync();
await server.WaitForExitAsync();
return 0;

async Task<(long Source, long Target, Dictionary<string, long> Detail)> CountAsync()
{
    await server.StandardInput.WriteLineAsync("count");
    var parts = (await server.StandardOutput.ReadLineAsync())!.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    var detail = parts.Skip(2).Select(p => p.Split('=')).ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));
    return (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture), detail);
}

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
