using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using NacosSync.Core.Config;
using NacosSync.Core.Sync;
using NacosSync.Sandbox;
using NacosSync.Storage.Config;

namespace NacosSync.IntegrationTests.Config;

/// <summary>
/// Benchmark, not a test (run explicitly): end-to-end lag from a source row commit to every target
/// node serving it, at 50 changes per second, with the incremental job started every second.
/// <c>dotnet test tests/NacosSync.IntegrationTests --filter FullyQualifiedName~ConfigLagBenchmark</c>
/// </summary>
[TestFixture]
[Explicit("benchmark: about 30 s, prints figures")]
[Category("Benchmark")]
internal sealed class ConfigLagBenchmark
{
    private const int Keys = 500;
    private const int ChangesPerSecond = 50;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(20);

    [Test]
    public async Task Lag_from_source_commit_to_every_target_node_at_50_changes_per_second()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4);
        for (var i = 0; i < Keys; i++)
        {
            await h.WriteSourceAsync(Name(i), "seed " + i);
        }

        var seeded = await h.RunAsync(SyncMode.Full);
        Assert.That(seeded.Succeeded, Is.True, "seed copy");

        var clock = Stopwatch.StartNew();
        var outstanding = new ConcurrentDictionary<ConfigKey, (string Md5, TimeSpan CommittedAt)>();
        var lags = new ConcurrentBag<double>();
        var superseded = 0;
        using var stop = new CancellationTokenSource();

        var producer = Task.Run(async () =>
        {
            var random = new Random(7);
            var next = TimeSpan.Zero;
            var interval = TimeSpan.FromSeconds(1.0 / ChangesPerSecond);
            while (clock.Elapsed < Duration)
            {
                var i = random.Next(Keys);
                var content = $"change {i} at {clock.Elapsed.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}";
                var row = new ConfigRow(h.SourceKey(Name(i)), content, new ConfigAttributes("text", "", "", "", ""));
                await h.SourceWriter.UpsertAsync(row, CancellationToken.None);
                if (outstanding.ContainsKey(h.TargetKey(Name(i))))
                {
                    Interlocked.Increment(ref superseded);
                }

                outstanding[h.TargetKey(Name(i))] = (row.Md5, clock.Elapsed);
                next += interval;
                var wait = next - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }
            }
        });

        var runs = new List<SyncRunResult>();
        var syncer = Task.Run(async () =>
        {
            var runner = h.Runner();
            while (!stop.IsCancellationRequested)
            {
                var started = clock.Elapsed;
                runs.Add(await runner.RunAsync(ConfigSyncHarness.TaskName, SyncMode.Incremental, SyncRunRequest.Default, CancellationToken.None));
                var wait = TimeSpan.FromSeconds(1) - (clock.Elapsed - started);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, CancellationToken.None);
                }
            }
        });

        var poller = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested || !outstanding.IsEmpty)
            {
                foreach (var (key, (md5, committedAt)) in outstanding.ToArray())
                {
                    var served = await h.ServedByEveryNodeAsync(key);
                    if (served.All(m => m == md5) && outstanding.TryRemove(new KeyValuePair<ConfigKey, (string, TimeSpan)>(key, (md5, committedAt))))
                    {
                        lags.Add((clock.Elapsed - committedAt).TotalSeconds);
                    }
                }

                if (clock.Elapsed > Duration + TimeSpan.FromSeconds(20))
                {
                    break;
                }

                await Task.Delay(50, CancellationToken.None);
            }
        });

        await producer;
        while (!outstanding.IsEmpty && clock.Elapsed < Duration + TimeSpan.FromSeconds(15))
        {
            await Task.Delay(100);
        }

        await stop.CancelAsync();
        await Task.WhenAll(syncer, poller);
        var sorted = lags.Order().ToArray();
        double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        var report = string.Create(CultureInfo.InvariantCulture,
            $"config lag at {ChangesPerSecond}/s for {Duration.TotalSeconds} s over {Keys} keys, 2 target nodes (2.4 profile, no dump worker): " +
            $"{sorted.Length} changes measured ({superseded} superseded before delivery, {outstanding.Count} never delivered), " +
            $"p50 {P(0.50):0.000} s, p99 {P(0.99):0.000} s, max {P(1.0):0.000} s; {runs.Count} incremental runs, " +
            $"mean run {runs.Average(r => r.Duration.TotalSeconds):0.000} s, errors {runs.Sum(r => r.Errors.Count)}");
        TestContext.Progress.WriteLine(report);
        await File.WriteAllTextAsync(Path.Combine(Path.GetTempPath(), "nacossync-config-lag.txt"), report + Environment.NewLine);
        Assert.That(outstanding, Is.Empty, "every change reached every node: " + report);
    }

    /// <summary>
    /// The same load written through the source's config API (as Nacos clients write), a 2.4 source and a 2-node 3.3 target
    /// (no HTTP listener). Auto: the source watch's pushes wake the incremental run at once (the 1 s interval stays as the
    /// fallback) and the target nodes are proven by gRPC batch listening; Http: runs every second, 3.3 proven key by key.
    /// </summary>
    [TestCase(NacosSync.Core.Options.ClusterTransport.Auto, NacosSync.Core.Options.ConfigSyncMode.Database)]
    [TestCase(NacosSync.Core.Options.ClusterTransport.Http, NacosSync.Core.Options.ConfigSyncMode.Database)]
    [TestCase(NacosSync.Core.Options.ClusterTransport.Auto, NacosSync.Core.Options.ConfigSyncMode.Api)]
    [TestCase(NacosSync.Core.Options.ClusterTransport.Http, NacosSync.Core.Options.ConfigSyncMode.Api)]
    public async Task Lag_from_source_publish_to_every_3_3_target_node_at_50_changes_per_second(NacosSync.Core.Options.ClusterTransport transport,
        NacosSync.Core.Options.ConfigSyncMode mode)
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4, mode, NacosVersionProfile.V3_3, 2, transport);
        var wakes = new NacosSync.Engine.Sync.SyncWakes();
        await using var watches = new NacosSync.Engine.Config.ConfigSourceWatches(wakes, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        var source = h.Client("src", h.Source);
        for (var i = 0; i < Keys; i++)
        {
            await h.WriteSourceAsync(Name(i), "seed " + i);
        }

        var runner = h.Runner(watches: watches);
        var seeded = await h.RunAsync(SyncMode.Full, runner);
        Assert.That(seeded.Succeeded, Is.True, "seed copy");

        var clock = Stopwatch.StartNew();
        var outstanding = new ConcurrentDictionary<ConfigKey, (string Md5, TimeSpan CommittedAt)>();
        var lags = new ConcurrentBag<double>();
        using var stop = new CancellationTokenSource();
        var producer = Task.Run(async () =>
        {
            var random = new Random(7);
            var next = TimeSpan.Zero;
            var interval = TimeSpan.FromSeconds(1.0 / ChangesPerSecond);
            while (clock.Elapsed < Duration)
            {
                var i = random.Next(Keys);
                var row = new ConfigRow(h.SourceKey(Name(i)), $"change {i} at {clock.Elapsed.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}", new ConfigAttributes("text", "", "", "", ""));
                await source.PublishAsync(row, null, CancellationToken.None);
                outstanding[h.TargetKey(Name(i))] = (row.Md5, clock.Elapsed);
                next += interval;
                var wait = next - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }
            }
        });

        var runs = new List<SyncRunResult>();
        var woken = 0;
        var syncer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var started = clock.Elapsed;
                runs.Add(await runner.RunAsync(ConfigSyncHarness.TaskName, SyncMode.Incremental, SyncRunRequest.Default, CancellationToken.None));
                var wait = TimeSpan.FromSeconds(1) - (clock.Elapsed - started);
                using var interval = new CancellationTokenSource(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
                using var either = CancellationTokenSource.CreateLinkedTokenSource(interval.Token, stop.Token);
                try
                {
                    // What SyncWakeService does: a wake starts the next run now, else the interval does.
                    await wakes.Wakes.ReadAsync(either.Token);
                    woken++;
                }
                catch (OperationCanceledException)
                {
                }
            }
        });

        var poller = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested || !outstanding.IsEmpty)
            {
                foreach (var (key, (md5, committedAt)) in outstanding.ToArray())
                {
                    var served = await h.ServedByEveryNodeAsync(key);
                    if (served.All(m => m == md5) && outstanding.TryRemove(new KeyValuePair<ConfigKey, (string, TimeSpan)>(key, (md5, committedAt))))
                    {
                        lags.Add((clock.Elapsed - committedAt).TotalSeconds);
                    }
                }

                if (clock.Elapsed > Duration + TimeSpan.FromSeconds(20))
                {
                    break;
                }

                await Task.Delay(50, CancellationToken.None);
            }
        });

        await producer;
        while (!outstanding.IsEmpty && clock.Elapsed < Duration + TimeSpan.FromSeconds(15))
        {
            await Task.Delay(100);
        }

        await stop.CancelAsync();
        await Task.WhenAll(syncer, poller);
        var sorted = lags.Order().ToArray();
        double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        var listens = h.Target.Nodes.Sum(n => n.Requests.Grpc("ConfigBatchListenRequest"));
        var reads = h.Target.Nodes.Sum(n => n.Requests.Http("GET", "/nacos/v3/client/cs/config"));
        var report = string.Create(CultureInfo.InvariantCulture,
            $"config lag ({transport}, {mode} mode) at {ChangesPerSecond}/s for {Duration.TotalSeconds} s over {Keys} keys published through the 2.4 source's API, 2 target nodes (3.3): " +
            $"{sorted.Length} changes measured ({outstanding.Count} never delivered), p50 {P(0.50):0.000} s, p99 {P(0.99):0.000} s, max {P(1.0):0.000} s; " +
            $"{runs.Count} incremental runs ({woken} started by a push), mean run {runs.Average(r => r.Duration.TotalSeconds):0.000} s, errors {runs.Sum(r => r.Errors.Count)}; " +
            $"target proof requests: {listens} gRPC batch listens, {reads} HTTP reads (poller's reads included when on HTTP)");
        TestContext.Progress.WriteLine(report);
        await File.AppendAllTextAsync(Path.Combine(Path.GetTempPath(), "nacossync-config-lag.txt"), report + Environment.NewLine);
        Assert.That(outstanding, Is.Empty, "every change reached every node: " + report);
    }

    private static string Name(int i) => string.Create(CultureInfo.InvariantCulture, $"svc-{i:D4}.yaml");
}
