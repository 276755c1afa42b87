using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using NacosSync.Core.Sync;
using NacosSync.Engine.Telemetry;

namespace NacosSync.Hosting.Metrics;

/// <summary>
/// Turns each <see cref="SyncRunResult"/> into metrics: runs, objects, errors by stage, guard trips,
/// drift, durations, last success, and lag. Lag is the age of the oldest source change not yet
/// visible in the target, computed at scrape time from the last run, so it rises while runs fail
/// and reads 0 once a run converges (it never sticks at an old value when idle). When no run has
/// succeeded for longer than the task's staleness window (a run hangs, the scheduler stalls), lag is
/// at least the time since the last successful run began: nothing newer can be vouched for.
/// </summary>
internal sealed class SyncRunMetrics
{
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<(string Task, SyncKind Kind), TaskState> _states = new();
    private readonly Counter<long> _runs;
    private readonly Counter<long> _objects;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _guardTrips;
    private readonly Counter<long> _convergenceFailures;
    private readonly Histogram<double> _runDuration;
    private readonly Histogram<double> _changeLatency;

    public SyncRunMetrics(SyncMetrics metrics, TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        var meter = metrics.Meter;
        _runs = meter.CreateCounter<long>("nacossync.sync.runs", "{run}", "Sync runs finished, by task, kind, mode and outcome (success, failed, guarded).");
        _objects = meter.CreateCounter<long>("nacossync.sync.objects", "{object}", "Objects changed in the target or held back, by task, kind and action (added, updated, removed, refused, failed).");
        _errors = meter.CreateCounter<long>("nacossync.sync.errors", "{error}", "Errors by task, kind and stage (read_source, read_target, write, refresh, verify).");
        _guardTrips = meter.CreateCounter<long>("nacossync.sync.guard.trips", "{run}", "Runs whose deletions a safety guard refused, by task and kind.");
        _convergenceFailures = meter.CreateCounter<long>("nacossync.config.cache.convergence.failures", "{key}",
            "Config keys that some target node did not serve with the new md5 before the verify deadline, by task (retried next run).");
        _runDuration = meter.CreateHistogram("nacossync.sync.run.duration", "s", "Duration of sync runs, by task, kind and mode.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900] });
        _changeLatency = meter.CreateHistogram("nacossync.sync.change.latency", "s", "Seconds from a source change to its being visible in the target (config: on every target node), by task and kind.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 2, 5, 10, 30, 60, 300] });
        meter.CreateObservableGauge("nacossync.sync.lag", ObserveLag, "s", "Age of the oldest source change not yet visible in the target; 0 when converged.");
        meter.CreateObservableGauge("nacossync.sync.drift", ObserveDrift, "{object}", "Differences between source and target found by the last full run, by task and kind.");
        meter.CreateObservableGauge("nacossync.sync.last.success.timestamp", ObserveLastSuccess, "s", "Unix time of the last successful run, by task, kind and mode.");
        meter.CreateObservableGauge("nacossync.build.info", () => new Measurement<long>(1,
            new KeyValuePair<string, object?>("version", typeof(SyncRunMetrics).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"),
            new KeyValuePair<string, object?>("runtime", Environment.Version.ToString())), null, "Build information; always 1.");
    }

    private Func<string, bool> _owns = _ => true;

    /// <summary>
    /// Exports <c>nacossync_task_owner{task,replica}</c> (1 where this replica owns the task, 0 elsewhere) and
    /// from now on reports lag only for owned tasks: a standby's alerts stay quiet.
    /// </summary>
    public void ReportOwnership(SyncMetrics metrics, Core.State.ITaskOwnership ownership, IReadOnlyCollection<string> tasks)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(ownership);
        _owns = ownership.IsOwner;
        metrics.Meter.CreateObservableGauge("nacossync.task.owner",
            () => tasks.Select(t => new Measurement<long>(ownership.IsOwner(t) ? 1 : 0, new("task", t), new("replica", ownership.Replica))),
            null, "1 on the replica that owns the task (beats its replicas, runs its jobs and canary, reports its lag), 0 on the others.");
    }

    /// <summary>Starts a task's staleness clock afresh (a new owner has not run it yet, and has nothing to vouch for before now).</summary>
    public void Restart(string task)
    {
        foreach (var ((t, _), state) in _states)
        {
            if (t == task)
            {
                lock (state)
                {
                    state.TrackedAt = _timeProvider.GetUtcNow();
                    state.LastSuccessStart = null;
                }
            }
        }
    }

    /// <summary>Registers a task and kind so its series exist (at 0) before its first run.</summary>
    /// <param name="staleAfter">How long without a successful run before lag counts the silence itself; null: never.</param>
    public void Track(string task, SyncKind kind, TimeSpan? staleAfter = null)
    {
        var state = _states.GetOrAdd((task, kind), _ => new TaskState());
        lock (state)
        {
            state.StaleAfter = staleAfter;
            state.TrackedAt = _timeProvider.GetUtcNow();
        }
    }

    public void Record(SyncRunResult result)
    {
        var task = new KeyValuePair<string, object?>("task", result.TaskName);
        var kind = new KeyValuePair<string, object?>("kind", result.Kind.Name());
        var mode = new KeyValuePair<string, object?>("mode", result.Mode.Name());
        var outcome = result.GuardTripped is not null ? "guarded" : result.Errors.Count > 0 ? "failed" : "success";

        _runs.Add(1, task, kind, mode, new("outcome", outcome));
        _runDuration.Record(result.Duration.TotalSeconds, task, kind, mode);
        AddObjects(result.Added, "added");
        AddObjects(result.Updated, "updated");
        AddObjects(result.Removed, "removed");
        AddObjects(result.Refused, "refused");
        AddObjects(result.Failed, "failed");
        foreach (var group in result.Errors.GroupBy(e => e.Stage))
        {
            _errors.Add(group.Count(), task, kind, new("stage", group.Key.Name()));
        }

        if (result.GuardTripped is not null)
        {
            _guardTrips.Add(1, task, kind);
        }

        if (result.Kind == SyncKind.Config && result.Errors.Count(e => e.Stage == SyncStage.Verify) is > 0 and var unconverged)
        {
            _convergenceFailures.Add(unconverged, task);
        }

        foreach (var latency in result.ChangeLatencies)
        {
            _changeLatency.Record(latency, task, kind);
        }

        var state = _states.GetOrAdd((result.TaskName, result.Kind), _ => new TaskState());
        lock (state)
        {
            var now = _timeProvider.GetUtcNow();
            if (result.Mode == SyncMode.Full)
            {
                state.Drift = result.Drift;
            }

            // A failed run that could not even tell what is pending keeps the older pending time, so lag keeps rising.
            if (result.OldestPendingChange is { } pending)
            {
                state.OldestPending = state.OldestPending is { } previous && previous < pending && result.Errors.Count > 0 ? previous : pending;
            }
            else if (result.Errors.Count == 0)
            {
                state.OldestPending = null;
            }
            else
            {
                state.OldestPending ??= state.LastSuccess ?? now;
            }

            if (outcome == "success")
            {
                state.LastSuccess = now;
                state.LastSuccessStart = now - result.Duration;
                if (result.Mode == SyncMode.Full)
                {
                    state.LastFullSuccess = now;
                }
                else
                {
                    state.LastIncrementalSuccess = now;
                }
            }
        }

        void AddObjects(long count, string action)
        {
            if (count > 0)
            {
                _objects.Add(count, task, kind, new("action", action));
            }
        }
    }

    /// <summary>The lag now, in seconds, for tests and the demo display.</summary>
    public double LagSeconds(string task, SyncKind kind)
    {
        if (!_states.TryGetValue((task, kind), out var state))
        {
            return 0;
        }

        lock (state)
        {
            var now = _timeProvider.GetUtcNow();
            var lag = state.OldestPending is { } pending ? now - pending : TimeSpan.Zero;
            if (state.StaleAfter is { } staleAfter && (state.LastSuccessStart ?? state.TrackedAt) is { } vouched && now - vouched > staleAfter)
            {
                lag = lag > now - vouched ? lag : now - vouched;
            }

            return Math.Max(0, lag.TotalSeconds);
        }
    }

    private IEnumerable<Measurement<double>> ObserveLag()
    {
        foreach (var ((task, kind), _) in _states.Where(s => _owns(s.Key.Task)))
        {
            yield return new Measurement<double>(LagSeconds(task, kind), new("task", task), new("kind", kind.Name()));
        }
    }

    private IEnumerable<Measurement<long>> ObserveDrift()
    {
        foreach (var ((task, kind), state) in _states)
        {
            long drift;
            lock (state)
            {
                drift = state.Drift;
            }

            yield return new Measurement<long>(drift, new("task", task), new("kind", kind.Name()));
        }
    }

    private IEnumerable<Measurement<double>> ObserveLastSuccess()
    {
        foreach (var ((task, kind), state) in _states)
        {
            DateTimeOffset? full, incremental;
            lock (state)
            {
                full = state.LastFullSuccess;
                incremental = state.LastIncrementalSuccess;
            }

            if (full is { } f)
            {
                yield return new Measurement<double>(f.ToUnixTimeMilliseconds() / 1000.0, new("task", task), new("kind", kind.Name()), new("mode", "full"));
            }

            if (incremental is { } i)
            {
                yield return new Measurement<double>(i.ToUnixTimeMilliseconds() / 1000.0, new("task", task), new("kind", kind.Name()), new("mode", "incremental"));
            }
        }
    }

    private sealed class TaskState
    {
        public long Drift { get; set; }

        public DateTimeOffset? OldestPending { get; set; }

        public DateTimeOffset? LastSuccess { get; set; }

        public DateTimeOffset? LastSuccessStart { get; set; }

        public DateTimeOffset? TrackedAt { get; set; }

        public TimeSpan? StaleAfter { get; set; }

        public DateTimeOffset? LastFullSuccess { get; set; }

        public DateTimeOffset? LastIncrementalSuccess { get; set; }
    }
}
