using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NacosSync.Core.Naming;
using NacosSync.Engine.Clusters;
using NacosSync.Engine.Telemetry;
using NacosSync.Nacos.Naming;
using NacosSync.Nacos.Transport;

namespace NacosSync.Engine.Naming;

/// <summary>Tuning of the <see cref="HeartbeatKeeper"/>.</summary>
internal sealed record HeartbeatOptions
{
    /// <summary>Beat period of each replica (Nacos clients use 5 s; unhealthy after 15 s, gone after 30 s). Default 5 s.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Beats in flight at once, all clusters together. Default 64.</summary>
    public int MaxConcurrency { get; init; } = 64;

    /// <summary>How often the scheduler looks for due beats. Default 50 ms.</summary>
    public TimeSpan Tick { get; init; } = TimeSpan.FromMilliseconds(50);
}

/// <summary>
/// Keeps ephemeral replicas alive in their target clusters without a thread or timer per replica:
/// one scheduler loop over a priority queue of due times, new replicas spread at random over the
/// interval, beats sent with bounded concurrency. The first beat of a replica is a full beat (with
/// weight and metadata), later ones light; a 20404 answer (unknown instance) re-registers it.
/// Replicas whose source is unhealthy are re-registered with <c>healthy=false</c> instead of beaten,
/// which keeps them present and unhealthy, as in the source (a beat would mark them healthy).
/// </summary>
internal sealed partial class HeartbeatKeeper : BackgroundService
{
    private readonly NacosClientFactory _clients;
    private readonly SyncMetrics? _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly HeartbeatOptions _options;
    private readonly ConcurrentDictionary<ReplicaId, Entry> _entries = new();
    private readonly PriorityQueue<Entry, long> _queue = new();
    private readonly Lock _queueLock = new();
    private readonly SemaphoreSlim _inFlight;

    public HeartbeatKeeper(NacosClientFactory clients, TimeProvider timeProvider, ILogger<HeartbeatKeeper> logger, SyncMetrics? metrics = null, HeartbeatOptions? options = null)
    {
        _clients = clients;
        _timeProvider = timeProvider;
        _logger = logger;
        _metrics = metrics;
        _options = options ?? new HeartbeatOptions();
        _inFlight = new SemaphoreSlim(_options.MaxConcurrency, _options.MaxConcurrency);
        metrics?.Meter.CreateObservableGauge("nacossync.heartbeat.replicas", () => _entries.Count, "{replica}",
            "Ephemeral replicas the daemon keeps alive with heartbeats, all tasks.");
    }

    /// <summary>Replicas being kept alive now.</summary>
    public int Count => _entries.Count;

    /// <summary>Beats sent since start (all outcomes), for the benchmark.</summary>
    public long BeatsSent => Interlocked.Read(ref _beatsSent);

    private long _beatsSent;

    /// <summary>Whether this replica is kept alive.</summary>
    public bool IsTracked(string task, InstanceKey key) => _entries.ContainsKey(new ReplicaId(task, key.Address));

    /// <summary>Starts or updates keeping <paramref name="replica"/> alive in <paramref name="targetCluster"/>.</summary>
    public void Track(string task, string targetCluster, NamingInstance replica)
    {
        ArgumentNullException.ThrowIfNull(replica);
        if (!replica.Ephemeral)
        {
            Untrack(task, replica.Key);
            return;
        }

        var id = new ReplicaId(task, replica.Key.Address);
        var fresh = new Entry(id, targetCluster);
        var entry = _entries.GetOrAdd(id, fresh);
        lock (entry)
        {
            var changed = entry.Replica is null || !ReferenceEquals(entry.Replica, replica) && replica.Differences(entry.Replica, compareHealth: true).Length > 0;
            entry.Replica = replica;
            entry.TargetCluster = targetCluster;
            if (changed)
            {
                entry.NeedsFullBeat = true;
            }
        }

        if (ReferenceEquals(entry, fresh))
        {
            // Spread new replicas over the interval so a big copy does not beat in one burst.
            var offset = TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * _options.Interval.Ticks));
            Schedule(entry, _timeProvider.GetUtcNow() + offset);
        }
    }

    /// <summary>Stops beating a replica. Call before deregistering it: a beat after the deregistration would bring it back.</summary>
    public void Untrack(string task, InstanceKey key) => _entries.TryRemove(new ReplicaId(task, key.Address), out _);

    /// <summary>
    /// Makes the set kept alive for one task and target namespace exactly <paramref name="replicas"/>
    /// (after a full run): new ones tracked, changed ones updated, absent ones untracked.
    /// </summary>
    public void ReplaceNamespace(string task, string targetCluster, string targetNamespace, IEnumerable<NamingInstance> replicas)
    {
        var keep = new HashSet<InstanceAddress>();
        foreach (var replica in replicas)
        {
            keep.Add(replica.Key.Address);
            Track(task, targetCluster, replica);
        }

        foreach (var id in _entries.Keys)
        {
            if (id.Task == task && id.Address.Service.Namespace == targetNamespace && !keep.Contains(id.Address))
            {
                _entries.TryRemove(id, out _);
            }
        }
    }

    /// <summary>Stops beating every replica of a task.</summary>
    public void UntrackTask(string task)
    {
        foreach (var id in _entries.Keys.Where(i => i.Task == task))
        {
            _entries.TryRemove(id, out _);
        }
    }

    /// <summary>Sends every due beat now and waits for them (tests and the benchmark drive the keeper with this).</summary>
    public async Task BeatDueAsync(CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var due = new List<Entry>();
        lock (_queueLock)
        {
            while (_queue.TryPeek(out _, out var at) && at <= now.UtcTicks)
            {
                due.Add(_queue.Dequeue());
            }
        }

        var tasks = new List<Task>(due.Count);
        foreach (var entry in due)
        {
            if (!_entries.TryGetValue(entry.Id, out var current) || !ReferenceEquals(current, entry))
            {
                continue; // untracked (or replaced) since it was scheduled
            }

            await _inFlight.WaitAsync(cancellationToken);
            tasks.Add(BeatAsync(entry, cancellationToken));
        }

        await Task.WhenAll(tasks);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.Tick, _timeProvider, stoppingToken);
                await BeatDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogLoopFailed(_logger, ex);
            }
        }
    }

    public override void Dispose()
    {
        _inFlight.Dispose();
        base.Dispose();
    }

    private void Schedule(Entry entry, DateTimeOffset at)
    {
        lock (_queueLock)
        {
            _queue.Enqueue(entry, at.UtcTicks);
        }
    }

    private async Task BeatAsync(Entry entry, CancellationToken cancellationToken)
    {
        string outcome = "failed";
        try
        {
            NamingInstance replica;
            string cluster;
            bool full;
            lock (entry)
            {
                replica = entry.Replica!;
                cluster = entry.TargetCluster;
                full = entry.NeedsFullBeat;
            }

            var client = _clients.Naming(cluster);
            if (!replica.Healthy)
            {
                // Registration sets health; a beat would make it healthy. Re-registering keeps it present and unhealthy.
                await client.RegisterAsync(replica, cancellationToken);
                outcome = "reregistered";
            }
            else if (await client.BeatAsync(replica, light: !full, cancellationToken) == BeatOutcome.UnknownInstance)
            {
                await client.RegisterAsync(replica, cancellationToken);
                outcome = "reregistered";
                LogReregistered(_logger, entry.Id.Task, replica.Key);
            }
            else
            {
                outcome = "ok";
            }

            lock (entry)
            {
                if (ReferenceEquals(entry.Replica, replica))
                {
                    entry.NeedsFullBeat = false;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (NacosException ex)
        {
            LogBeatFailed(_logger, entry.Id.Task, entry.Id.Address.Service, entry.Id.Address.Ip, entry.Id.Address.Port, ex.Message);
        }
        finally
        {
            _inFlight.Release();
            Interlocked.Increment(ref _beatsSent);
            _metrics?.HeartbeatsSent.Add(1, new KeyValuePair<string, object?>("task", entry.Id.Task), new KeyValuePair<string, object?>("outcome", outcome));
            if (_entries.TryGetValue(entry.Id, out var current) && ReferenceEquals(current, entry))
            {
                // A failed beat is retried sooner, so one lost beat does not cost a third of the 15 s budget.
                Schedule(entry, _timeProvider.GetUtcNow() + (outcome == "failed" ? _options.Interval / 2 : _options.Interval));
            }
        }
    }

    private readonly record struct ReplicaId(string Task, InstanceAddress Address);

    private sealed class Entry(ReplicaId id, string targetCluster)
    {
        public ReplicaId Id { get; } = id;

        public string TargetCluster { get; set; } = targetCluster;

        public NamingInstance? Replica { get; set; }

        public bool NeedsFullBeat { get; set; } = true;
    }

    [LoggerMessage(EventId = 4150, Level = LogLevel.Error, Message = "Heartbeat loop failed; continuing")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4151, Level = LogLevel.Warning, Message = "Task {Task}: heartbeat of {Service} {Ip}:{Port} failed: {Error}")]
    private static partial void LogBeatFailed(ILogger logger, string task, ServiceKey service, string ip, int port, string error);

    [LoggerMessage(EventId = 4152, Level = LogLevel.Information, Message = "Task {Task}: {Replica} was unknown to the target (20404); registered again")]
    private static partial void LogReregistered(ILogger logger, string task, InstanceKey replica);
}
