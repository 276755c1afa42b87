using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NacosSync.Core.Config;
using NacosSync.Core.Naming;
using NacosSync.Core.Options;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.Engine.Clusters;
using NacosSync.Engine.Telemetry;
using NacosSync.Nacos.Transport;

namespace NacosSync.Engine.Canary;

/// <summary>
/// Writes a marker in the source of every task with <see cref="CanaryOptions.Enabled"/> at its
/// interval, an instance (naming) and a config (config) carrying the write time, and polls the
/// target until the marker is visible there (config: on every target node). Exports
/// <c>nacossync_canary_lag_seconds</c> (age of the oldest marker not yet visible, 0 once visible)
/// and <c>nacossync_canary_latency_seconds</c> (write → visible).
/// </summary>
internal sealed partial class CanaryService : BackgroundService
{
    internal const string WrittenAtKey = "canary.written-at";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly NacosSyncOptions _options;
    private readonly ClusterRegistry _clients;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<CanaryService> _logger;
    private readonly Histogram<double> _latency;
    private readonly ConcurrentDictionary<(string Task, SyncKind Kind), DateTimeOffset?> _pendingSince = new();

    private readonly ITaskOwnership? _ownership;

    /// <param name="ownership">Which tasks this replica owns: the canary of a task runs and reports on its owner only. Null: every task.</param>
    public CanaryService(IOptions<NacosSyncOptions> options, ClusterRegistry clients, SyncMetrics metrics, TimeProvider timeProvider, ILogger<CanaryService> logger,
        ITaskOwnership? ownership = null)
    {
        _ownership = ownership;
        _options = options.Value;
        _clients = clients;
        _timeProvider = timeProvider;
        _logger = logger;
        _latency = metrics.Meter.CreateHistogram("nacossync.canary.latency", "s", "Seconds from writing a canary marker in the source to seeing it in the target, by task and kind.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.25, 0.5, 0.75, 1, 2, 5, 10, 30] });
        metrics.Meter.CreateObservableGauge("nacossync.canary.lag", ObserveLag, "s", "Age of the oldest canary marker not yet visible in the target; 0 once visible.");
        foreach (var (name, task) in _options.Tasks.Where(t => t.Value.Enabled && t.Value.Canary.Enabled))
        {
            if (task.Naming.Enabled)
            {
                _pendingSince[(name, SyncKind.Naming)] = null;
            }

            if (task.Config.Enabled)
            {
                _pendingSince[(name, SyncKind.Config)] = null;
            }
        }
    }

    /// <summary>The canary lag now, for tests and the demo.</summary>
    public double LagSeconds(string task, SyncKind kind) =>
        _pendingSince.TryGetValue((task, kind), out var since) && since is { } s ? Math.Max(0, (_timeProvider.GetUtcNow() - s).TotalSeconds) : 0;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = _pendingSince.Keys.Select(k => LoopAsync(k.Task, _options.Tasks[k.Task], k.Kind, stoppingToken)).ToList();
        return Task.WhenAll(loops);
    }

    private async Task LoopAsync(string taskName, SyncTaskOptions task, SyncKind kind, CancellationToken cancellationToken)
    {
        // Markers written and not yet seen, oldest first; the newest stamp seen in the target.
        var unseen = new Queue<long>();
        long lastSeen = 0;
        var nextWrite = _timeProvider.GetUtcNow();
        var failing = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            var standby = _ownership?.IsOwner(taskName) == false;
            if (standby)
            {
                // Another replica owns the task: no markers, no reads, no lag here; a takeover starts afresh.
                unseen.Clear();
                _pendingSince[(taskName, kind)] = null;
                nextWrite = _timeProvider.GetUtcNow();
            }

            try
            {
                var now = _timeProvider.GetUtcNow();
                if (!standby && now >= nextWrite)
                {
                    nextWrite = now + task.Canary.Interval;
                    var stamp = now.ToUnixTimeMilliseconds();
                    await WriteAsync(taskName, task, kind, stamp.ToString(CultureInfo.InvariantCulture), cancellationToken);
                    if (unseen.Count < 1000)
                    {
                        unseen.Enqueue(stamp);
                    }

                    // Pending from the moment it is written: a target read that hangs or retries must not hide the lag.
                    _pendingSince[(taskName, kind)] = DateTimeOffset.FromUnixTimeMilliseconds(unseen.Peek());
                }

                var visible = standby ? 0 : await VisibleStampAsync(taskName, task, kind, cancellationToken);
                if (visible > lastSeen)
                {
                    lastSeen = visible;
                    while (unseen.TryPeek(out var oldest) && oldest <= visible)
                    {
                        unseen.Dequeue();
                    }

                    RecordVisible(taskName, kind, _timeProvider.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(visible));
                }

                _pendingSince[(taskName, kind)] = unseen.TryPeek(out var pending) ? DateTimeOffset.FromUnixTimeMilliseconds(pending) : null;
                failing = false;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NacosException or HttpRequestException or InvalidOperationException or System.Data.Common.DbException)
            {
                // Once per outage, not every poll; the lag gauge keeps rising meanwhile.
                if (!failing)
                {
                    LogCanaryFailed(_logger, taskName, kind.Name(), ex.Message);
                    failing = true;
                }

                if (unseen.TryPeek(out var pending))
                {
                    _pendingSince[(taskName, kind)] = DateTimeOffset.FromUnixTimeMilliseconds(pending);
                }
            }

            try
            {
                await Task.Delay(PollInterval, _timeProvider, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>A marker became visible in the target <paramref name="latency"/> after it was written.</summary>
    internal void RecordVisible(string taskName, SyncKind kind, TimeSpan latency) =>
        _latency.Record(Math.Max(0, latency.TotalSeconds), new("task", taskName), new("kind", kind.Name()));

    private async Task WriteAsync(string taskName, SyncTaskOptions task, SyncKind kind, string stamp, CancellationToken cancellationToken)
    {
        if (kind == SyncKind.Naming)
        {
            var service = new ServiceKey(ClusterRegistry.PublicNamingNamespace, task.Canary.Group, ServiceName(taskName));
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { [WrittenAtKey] = stamp };
            // TEST-NET-1 address: never a real endpoint; the port tells tasks apart.
            var instance = new NamingInstance(new InstanceKey(service, "DEFAULT", "192.0.2.1", 1), 1, Enabled: true, Healthy: true, Ephemeral: true, metadata);
            await _clients.Naming(task.Source).RegisterAsync(instance, cancellationToken);
        }
        else
        {
            var tenant = await _clients.PublicConfigTenantAsync(task.Source, cancellationToken);
            var row = new ConfigRow(new ConfigKey(tenant, task.Canary.Group, ServiceName(taskName)), stamp, ConfigAttributes.Empty with { Type = "text" });
            await _clients.Config(task.Source).PublishAsync(row, casMd5: null, cancellationToken);
        }
    }

    /// <summary>The newest marker the target shows (config: the oldest any node serves); 0 when none.</summary>
    private async Task<long> VisibleStampAsync(string taskName, SyncTaskOptions task, SyncKind kind, CancellationToken cancellationToken)
    {
        const string publicNamespace = ClusterRegistry.PublicNamingNamespace;
        var targetNamespace = task.Namespaces.TryGetValue(publicNamespace, out var mapped) ? mapped : publicNamespace;
        var targetGroup = task.Groups.TryGetValue(task.Canary.Group, out var mappedGroup) ? mappedGroup : task.Canary.Group;
        if (kind == SyncKind.Naming)
        {
            var read = await _clients.Naming(task.Target).ListInstancesAsync(new ServiceKey(targetNamespace, targetGroup, ServiceName(taskName)), cancellationToken);
            return read.Service.Instances.Select(i => i.Metadata.TryGetValue(WrittenAtKey, out var seen) ? Stamp(seen) : 0).DefaultIfEmpty(0).Max();
        }

        var target = _clients.Config(task.Target);
        var tenant = targetNamespace == publicNamespace ? await _clients.PublicConfigTenantAsync(task.Target, cancellationToken) : targetNamespace;
        var key = new ConfigKey(tenant, targetGroup, ServiceName(taskName));
        long oldest = long.MaxValue;
        foreach (var node in await target.ClusterNodesAsync(cancellationToken))
        {
            var served = await target.GetFromNodeAsync(node, key, cancellationToken);
            oldest = Math.Min(oldest, served is null ? 0 : Stamp(served.Content));
        }

        return oldest == long.MaxValue ? 0 : oldest;
    }

    private static long Stamp(string text) => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;

    internal static string ServiceName(string taskName) => "nacos-sync-canary-" + taskName;

    private IEnumerable<Measurement<double>> ObserveLag()
    {
        foreach (var ((task, kind), _) in _pendingSince.Where(p => _ownership?.IsOwner(p.Key.Task) != false))
        {
            yield return new Measurement<double>(LagSeconds(task, kind), new("task", task), new("kind", kind.Name()));
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Task {Task} {Kind} canary: {Message}")]
    private static partial void LogCanaryFailed(ILogger logger, string task, string kind, string message);
}
