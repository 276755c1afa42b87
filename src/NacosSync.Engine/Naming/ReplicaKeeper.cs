using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NacosSync.Core.Naming;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.Engine.Clusters;
using NacosSync.Engine.Telemetry;

namespace NacosSync.Engine.Naming;

/// <summary>
/// Keeps ephemeral replicas alive in their target clusters without a thread or timer per replica: one
/// scheduler loop over a priority queue of due times on the monotonic clock, new replicas spread at
/// random over the interval. The loop never waits for a beat: each is sent on its own with a bounded
/// number in flight per target cluster, a replica whose beat still hangs is skipped, and the next beat is
/// due one interval after the last was due, so one hung node delays nobody else.
/// The kept set lives in the run-state store (<see cref="StateScope.Replica"/>), written as it changes: at
/// start the keeper loads it and beats every replica within one interval, before any full run.
/// Tasks set to <c>ReplicaHolding: Connection</c> are not beaten: their replicas are held by the
/// <see cref="ConnectionReplicaHolder"/> (ReplicaKeeper.Connection.cs), the kept set persisted alike.
/// </summary>
internal sealed partial class ReplicaKeeper : BackgroundService
{
    private readonly IRunStateStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ReplicaKeeperOptions _options;
    private readonly IReadOnlyCollection<string> _restoreTasks;
    private readonly ReplicaBeater _beater;
    private readonly ConcurrentDictionary<ReplicaId, KeptReplica> _entries = new();
    private readonly StoredReplicaSet _storedSet;
    private readonly UnsavedReplicaChanges _unsaved;
    private static readonly TimeSpan StoreWarningInterval = TimeSpan.FromMinutes(1);
    private DateTimeOffset? _storeWarnedAt;
    private readonly BeatScheduler _scheduler;
    private bool _restored;
    private PeriodicTimer? _timer;
    private readonly ReplicaHoldingPlan _holding;
    private readonly ConnectionReplicaHolder _holder;

    /// <param name="restoreTasks">Tasks whose persisted replicas are loaded and beaten at start (the daemon's ephemeral naming tasks).</param>
    /// <param name="holding">Which tasks hold their replicas on a connection, and which of them this process mirrors while it does not own them; default none.</param>
    public ReplicaKeeper(ClusterRegistry clients, IRunStateStore store, TimeProvider timeProvider, ILogger<ReplicaKeeper> logger,
        SyncMetrics? metrics = null, ReplicaKeeperOptions? options = null, IReadOnlyCollection<string>? restoreTasks = null, ReplicaHoldingPlan? holding = null)
    {
        ArgumentNullException.ThrowIfNull(clients);
        _holding = holding ?? ReplicaHoldingPlan.None;
        _holder = new ConnectionReplicaHolder((cluster, ct) => clients.GrpcAsync(cluster, "naming", ConnectionReplicaHolder.Purpose, ct), logger);
        _store = store;
        _storedSet = new StoredReplicaSet(store);
        _unsaved = new UnsavedReplicaChanges(store);
        _timeProvider = timeProvider;
        _logger = logger;
        _options = options ?? new ReplicaKeeperOptions();
        _restoreTasks = restoreTasks ?? [];
        _beater = new ReplicaBeater(clients, new BeatFailureLog(timeProvider, logger, _options.FailureReportInterval), logger, metrics);
        _scheduler = new BeatScheduler(timeProvider, _options, (entry, ct) => _beater.BeatAsync(entry, StillKeptAsync, ct), entry => Drop(entry.Id, entry),
            new BeatLatenessLog(timeProvider, logger, _options.FailureReportInterval));
        metrics?.Meter.CreateObservableGauge("nacossync.heartbeat.replicas", () => _entries.Count, "{replica}",
            "Ephemeral replicas the daemon keeps alive with heartbeats, all tasks.");
        metrics?.Meter.CreateObservableGauge("nacossync.heartbeat.overdue", ObserveOverdue, "s",
            "How late the most overdue heartbeat of the task's replicas is now; 0 when on time. Above the declared interval, beats are being missed.");
    }

    private IEnumerable<Measurement<double>> ObserveOverdue() =>
        _scheduler.Overdue().Select(o => new Measurement<double>(o.Late.TotalSeconds, new KeyValuePair<string, object?>("task", o.Task)));

    /// <summary>Per task: how late its most overdue beat is now (zero when on time); the <c>nacossync_heartbeat_overdue_seconds</c> gauge.</summary>
    public IReadOnlyList<(string Task, TimeSpan Late)> Overdue() => _scheduler.Overdue();

    /// <summary>Replicas being kept alive now.</summary>
    public int Count => _entries.Count;

    /// <summary>Beats sent since start (all outcomes), for the benchmark and tests.</summary>
    public long BeatsSent => _scheduler.BeatsSent;

    public bool IsTracked(string task, InstanceKey key) => _entries.ContainsKey(new ReplicaId(task, key.Address));

    /// <summary>Whether a beat of the replica has been sent and not yet returned (until it returns, the replica's next beat waits).</summary>
    public bool IsBeating(string task, InstanceKey key) =>
        _entries.TryGetValue(new ReplicaId(task, key.Address), out var entry) && !entry.InFlight.IsCompleted;

    /// <summary>Starts or updates keeping <paramref name="replica"/> alive; persistent replicas are not kept.</summary>
    public void Track(string task, string targetCluster, NamingInstance replica)
    {
        ArgumentNullException.ThrowIfNull(replica);
        var id = new ReplicaId(task, replica.Key.Address);
        if (!replica.Ephemeral)
        {
            Drop(id);
            return;
        }

        // Looked up first: a full run tracks every replica again, and most are kept already.
        var fresh = _entries.TryGetValue(id, out var kept) ? null : new KeptReplica(id, targetCluster, replica);
        var entry = kept ?? _entries.GetOrAdd(id, fresh!);
        var changed = ReferenceEquals(entry, fresh);
        string? movedFrom = null;
        lock (entry)
        {
            if (!changed && (!ReferenceEquals(entry.Replica, replica) && replica.Differences(entry.Replica, compareHealth: true).Length > 0 || entry.TargetCluster != targetCluster))
            {
                movedFrom = entry.TargetCluster != targetCluster ? entry.TargetCluster : null;
                entry.Replica = replica;
                entry.TargetCluster = targetCluster;
                changed = true;
            }
        }

        if (changed)
        {
            _unsaved.Kept(id, targetCluster, replica, _timeProvider.GetUtcNow());
        }

        if (_holding.HoldsOnConnection(task))
        {
            if (changed)
            {
                if (movedFrom is not null)
                {
                    _holder.Release(task, movedFrom, id.Address);
                }

                _holder.Hold(task, targetCluster, replica);
            }
        }
        else if (ReferenceEquals(entry, fresh))
        {
            _scheduler.ScheduleSpread(entry);
        }
    }

    /// <summary>
    /// Makes the set kept for one task and target namespace exactly <paramref name="replicas"/> (after a
    /// full run): new ones tracked, changed ones updated, the others no longer kept.
    /// </summary>
    public void ReplaceNamespace(string task, string targetCluster, string targetNamespace, IEnumerable<NamingInstance> replicas)
    {
        var keep = new HashSet<InstanceAddress>(replicas.TryGetNonEnumeratedCount(out var count) ? count : 0);
        foreach (var replica in replicas)
        {
            keep.Add(replica.Key.Address);
            Track(task, targetCluster, replica);
        }

        // Enumerated in place (a concurrent dictionary allows removal while enumerating), not through Keys, which copies
        // every kept replica's id: at 100,000 replicas that was a copy per namespace of every full run.
        foreach (var (id, _) in _entries)
        {
            if (id.Task == task && id.Address.Service.Namespace == targetNamespace && !keep.Contains(id.Address))
            {
                Drop(id);
            }
        }
    }

    /// <summary>
    /// Stops keeping replicas that are about to be deregistered, so that nothing brings them back: they
    /// leave the run-state store at once (another process reading it stops re-registering them), and
    /// this returns only once any beat of theirs still in flight has returned.
    /// </summary>
    public async Task ForgetAsync(string task, IReadOnlyCollection<InstanceAddress> addresses, CancellationToken cancellationToken)
    {
        var inFlight = new List<Task>();
        var ids = addresses.Select(a => new ReplicaId(task, a)).ToList();
        foreach (var id in ids)
        {
            if (_entries.TryRemove(id, out var entry))
            {
                lock (entry)
                {
                    entry.Forgotten = true;
                    inFlight.Add(entry.InFlight);
                }

                Released(entry);
            }

            _unsaved.Discard(id);
        }

        await _store.WriteEntriesAsync(new StateKey(task, SyncKind.Naming), StateScope.Replica, [], [.. ids.Select(i => i.Address.Id)], cancellationToken);
        await Task.WhenAll(inFlight).WaitAsync(cancellationToken);
    }

    /// <summary>Stops beating every replica of a task.</summary>
    public void UntrackTask(string task)
    {
        foreach (var id in _entries.Keys.Where(i => i.Task == task))
        {
            Drop(id);
        }
    }

    /// <summary>Sends the beats due now and waits for them (the integration harness and the benchmark drive time by hand).</summary>
    public Task BeatDueAsync(CancellationToken cancellationToken) => Task.WhenAll(_scheduler.DispatchDue(cancellationToken));

    /// <summary>Loads the kept set before the host reports started (a failure is retried by the loop) and starts the tick.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _timer ??= new PeriodicTimer(_options.Tick, _timeProvider);
        try
        {
            await RestoreAsync(cancellationToken);
            _restored = true;
        }
        catch (Exception ex) when (NamingCheckpoints.IsStoreFailure(ex))
        {
            LogRestoreFailed(_logger, ex.Message);
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // One periodic timer, created before the host started: a tick that passes while a pass runs is not lost.
        var timer = _timer ??= new PeriodicTimer(_options.Tick, _timeProvider);
        do
        {
            try
            {
                if (!_restored)
                {
                    await RestoreAsync(stoppingToken);
                    _restored = true;
                }

                _scheduler.DispatchDue(stoppingToken);
                TickConnections(stoppingToken);
                await SaveAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (NamingCheckpoints.IsStoreFailure(ex))
            {
                // The state database is away: beats go on, the set is saved once it is back. Said once a minute, by message.
                var now = _timeProvider.GetUtcNow();
                if (_storeWarnedAt is not { } at || now - at >= StoreWarningInterval)
                {
                    _storeWarnedAt = now;
                    LogStoreFailed(_logger, ex.Message);
                }
            }
            catch (Exception ex)
            {
                LogLoopFailed(_logger, ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    public override void Dispose()
    {
        _timer?.Dispose();
        _unsaved.Dispose();
        base.Dispose();
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Drop(ReplicaId id, KeptReplica? only = null)
    {
        KeptReplica? entry = null;
        var removed = only is null ? _entries.TryRemove(id, out entry) : _entries.TryRemove(new KeyValuePair<ReplicaId, KeptReplica>(id, only));
        if (removed)
        {
            entry ??= only!;
            lock (entry)
            {
                entry.Forgotten = true;
            }

            Released(entry);
            _unsaved.Dropped(id);
        }
    }

    [LoggerMessage(EventId = 4158, Level = LogLevel.Warning, Message = "Replica keeper: the run-state store cannot be read or written ({Error}); beats go on, the kept set is saved once it answers")]
    private static partial void LogStoreFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 4150, Level = LogLevel.Error, Message = "Heartbeat loop failed; continuing")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4157, Level = LogLevel.Warning, Message = "Loading the kept replicas from the run-state store failed; trying again every tick: {Error}")]
    private static partial void LogRestoreFailed(ILogger logger, string error);

}
