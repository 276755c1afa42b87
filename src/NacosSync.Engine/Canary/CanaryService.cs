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
    private readonly ConcurrentDictionary<(string Task, SyncKind Kind), Track> _tracks = new();

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
                _tracks[(name, SyncKind.Naming)] = new Track();
            }

            if (task.Config.Enabled)
            {
                _tracks[(name, SyncKind.Config)] = new Track();
            }
        }
    }

    /// <summary>The canary lag now, for tests and the demo.</summary>
    public double LagSeconds(string task, SyncKind kind) =>
        _tracks.TryGetValue((task, kind), out var track) && track.OldestUnseen() is { } oldest
            ? Math.Max(0, (_timeProvider.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(oldest)).TotalSeconds)
            : 0;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Writer and reader apart: a target read stuck in retries while the target is down must not
        // hold back the next marker, or the lag would read 0 through the first seconds of an outage.
        var loops = _tracks.SelectMany(t => new[]
        {
            WriteLoopAsync(t.Key.Task, _options.Tasks[t.Key.Task], t.Key.Kind, t.Value, stoppingToken),
            ReadLoopAsync(t.Key.Task, _options.Tasks[t.Key.Task], t.Key.Kind, t.Value, stoppingToken),
        }).ToList();
        return Task.WhenAll(loops);
    }

    private bool Standby(string taskName, Track track)
    {
        if (_ownership?.IsOwner(taskName) != false)
        {
            return false;
        }

        // Another replica owns the task: no markers, no reads, no lag here; a takeover starts afresh.
        track.Clear();
        return true;
    }

    private async Task WriteLoopAsync(string taskName, SyncTaskOptions task, SyncKind kind, Track track, CancellationToken cancellationToken)
    {
        var failing = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            var wait = PollInterval;
            if (!Standby(taskName, track))
            {
                var stamp = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
                try
                {
                    await WriteAsync(taskName, task, kind, stamp.ToString(CultureInfo.InvariantCulture), cancellationToken);
                    // Pending from the moment it is written: a target read that hangs or retries must not hide the lag.
                    track.Written(stamp);
                    failing = false;
                    wait = task.Canary.Interval;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (IsExpected(ex))
                {
                    failing = LogOnce(taskName, kind, failing, "writing the marker in the source: " + ex.Message);
                }
            }

            if (!await DelayAsync(wait, cancellationToken))
            {
                return;
            }
        }
    }

    private async Task ReadLoopAsync(string taskName, SyncTaskOptions task, SyncKind kind, Track track, CancellationToken cancellationToken)
    {
        var failing = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            // Nothing pending: nothing to look for, and no read of the target.
            if (!Standby(taskName, track) && track.OldestUnseen() is not null)
            {
                try
                {
                    var visible = await VisibleStampAsync(taskName, task, kind, cancellationToken);
                    if (track.Seen(visible))
                    {
                        RecordVisible(taskName, kind, _timeProvider.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(visible));
                    }

                    failing = false;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (IsExpected(ex))
                {
                    // Once per outage, not every poll; the lag gauge keeps rising meanwhile.
                    failing = LogOnce(taskName, kind, failing, ex.Message);
                }
            }

            if (!await DelayAsync(PollInterval, cancellationToken))
            {
                return;
            }
        }
    }

    private static bool IsExpected(Exception ex) =>
        ex is NacosException or HttpRequestException or InvalidOperationException or System.Data.Common.DbException or TimeoutException
            or OperationCanceledException; // a timed-out call, not the service stopping (filtered before)

    private bool LogOnce(string taskName, SyncKind kind, bool failing, string message)
    {
        if (!failing)
        {
            LogCanaryFailed(_logger, taskName, kind.Name(), message);
        }

        return true;
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _timeProvider, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
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
        foreach (var ((task, kind), _) in _tracks.Where(p => _ownership?.IsOwner(p.Key.Task) != false))
        {
            yield return new Measurement<double>(LagSeconds(task, kind), new("task", task), new("kind", kind.Name()));
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Task {Task} {Kind} canary: {Message}")]
    private static partial void LogCanaryFailed(ILogger logger, string task, string kind, string message);

    /// <summary>The markers of one task and kind written and not yet seen in the target, oldest first; shared by its writer and reader.</summary>
    private sealed class Track
    {
        private const int MaxUnseen = 1000;
        private readonly Lock _gate = new();
        private readonly Queue<long> _unseen = new();

        public long? OldestUnseen()
        {
            lock (_gate)
            {
                return _unseen.TryPeek(out var oldest) ? oldest : null;
            }
        }

        public void Written(long stamp)
        {
            lock (_gate)
            {
                // Bounded: past this the oldest marker already dates the lag, and later ones add nothing.
                if (_unseen.Count < MaxUnseen)
                {
                    _unseen.Enqueue(stamp);
                }
            }
        }

        /// <summary>
        /// The target shows <paramref name="visible"/>: drops every marker up to it; true when that
        /// was one of ours (a marker left in the target by an earlier run or owner dates nothing).
        /// </summary>
        public bool Seen(long visible)
        {
            lock (_gate)
            {
                var ours = false;
                while (_unseen.TryPeek(out var oldest) && oldest <= visible)
                {
                    _unseen.Dequeue();
                    ours = true;
                }

                return ours;
            }
        }

        public void Clear()
        {
            lock (_gate)
            {
                _unseen.Clear();
            }
        }
    }
}
