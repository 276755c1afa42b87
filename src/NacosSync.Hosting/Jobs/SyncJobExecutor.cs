using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using NacosSync.Core.Sync;
using NacosSync.Hosting.Metrics;

namespace NacosSync.Hosting.Jobs;

/// <summary>
/// Runs one task and kind through its <see cref="ISyncRunner"/>, one run at a time per task and
/// kind (a full run waits for a running incremental one; an incremental run is skipped while a
/// full one runs, and until a full one has run since this replica took the task: <see cref="ReconciliationGate"/>), records metrics, logs the outcome, and keeps the last result for the admin API.
/// Full runs of this process go one at a time, whatever their task and kind, and a large one (<see cref="CompactAfterReading"/>
/// objects read) ends with a compacting collection that hands the run's garbage back to the system: each reads whole
/// clusters (or whole config tables), so one at a time bounds the process's memory by its largest run rather than their sum. Incremental runs never wait for that turn, and a
/// full run waiting for it does not hold its kind's gate, so that kind's incremental runs go on meanwhile. Run durations
/// (and the metrics) count from the run's start, not from the wait.
/// This is the loop boundary: a runner's unexpected exception is caught, logged and reported here.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
    "The semaphores hold no OS handle (AvailableWaitHandle is never read); disposing them at shutdown, under a run still finishing, would make its Release throw")]
internal sealed partial class SyncJobExecutor
{
    /// <summary>A full run that read at least this many objects ends with a compacting collection; smaller ones leave the GC to itself.</summary>
    internal const long CompactAfterReading = 10_000;

    private readonly Dictionary<SyncKind, ISyncRunner> _runners;
    private readonly SyncRunMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<SyncJobExecutor> _logger;
    private readonly ReconciliationGate _reconciliation;
    private readonly ConcurrentDictionary<(string, SyncKind), SemaphoreSlim> _gates = new();
    private readonly SemaphoreSlim _fullRunTurn = new(1, 1);
    private readonly ConcurrentDictionary<(string, SyncKind, SyncMode), SyncRunResult> _lastResults = new();

    public SyncJobExecutor(IEnumerable<ISyncRunner> runners, SyncRunMetrics metrics, TimeProvider timeProvider, ILogger<SyncJobExecutor> logger,
        ReconciliationGate reconciliation)
    {
        _reconciliation = reconciliation;
        _runners = runners.ToDictionary(r => r.Kind);
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public bool HasRunner(SyncKind kind) => _runners.ContainsKey(kind);

    public SyncRunResult? LastResult(string task, SyncKind kind, SyncMode mode) =>
        _lastResults.TryGetValue((task, kind, mode), out var result) ? result : null;

    /// <summary>
    /// Runs once; null when an incremental run was skipped because another run of the same task and kind is in
    /// progress, or because no full run has ended since this replica took the task (it is due: the start-up or takeover run).
    /// </summary>
    public async Task<SyncRunResult?> RunAsync(string task, SyncKind kind, SyncMode mode, SyncRunRequest request, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd((task, kind), _ => new SemaphoreSlim(1, 1));
        if (mode == SyncMode.Incremental)
        {
            if (!_reconciliation.IsReconciled(task, kind) || !await gate.WaitAsync(TimeSpan.Zero, cancellationToken))
            {
                return null;
            }
        }
        else
        {
            await _fullRunTurn.WaitAsync(cancellationToken);
            try
            {
                await gate.WaitAsync(cancellationToken);
            }
            catch
            {
                _fullRunTurn.Release();
                throw;
            }
        }

        try
        {
            var tenure = _reconciliation.Tenure(task);
            var result = await RunGuardedAsync(task, kind, mode, request, cancellationToken);
            if (!request.DryRun)
            {
                if (mode == SyncMode.Full)
                {
                    _reconciliation.FullRunEnded(task, kind, tenure);
                }

                _metrics.Record(result);
                _lastResults[(task, kind, mode)] = result;
            }

            Log(result);
            if (mode == SyncMode.Full && result.Read >= CompactAfterReading)
            {
                Compact(result);
            }

            return result;
        }
        finally
        {
            gate.Release();
            if (mode == SyncMode.Full)
            {
                _fullRunTurn.Release();
            }
        }
    }

    /// <summary>The run's snapshots are garbage now; without this the heap keeps their pages for the next run's peak. Logged with its pause.</summary>
    private void Compact(SyncRunResult result)
    {
        var before = GC.GetTotalMemory(forceFullCollection: false);
        var started = _timeProvider.GetTimestamp();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var pause = (long)_timeProvider.GetElapsedTime(started).TotalMilliseconds;
        var after = GC.GetTotalMemory(forceFullCollection: false);
        var kind = result.Kind.Name();
        LogCompacted(_logger, result.TaskName, kind, pause, before >> 20, after >> 20);
    }

    private async Task<SyncRunResult> RunGuardedAsync(string task, SyncKind kind, SyncMode mode, SyncRunRequest request, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        if (!_runners.TryGetValue(kind, out var runner))
        {
            return Failed(SyncStage.ReadSource, $"no {kind.Name()} sync is available in this build");
        }

        try
        {
            return await runner.RunAsync(task, mode, request, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            LogRunCrashed(_logger, ex, task, kind.Name(), mode.Name());
            return Failed(SyncStage.Write, $"the run stopped on an unexpected {ex.GetType().Name}: {ex.Message}");
        }

        SyncRunResult Failed(SyncStage stage, string message) => new()
        {
            TaskName = task,
            Kind = kind,
            Mode = mode,
            Errors = [new SyncError(stage, message)],
            Duration = _timeProvider.GetElapsedTime(started),
        };
    }

    private void Log(SyncRunResult result)
    {
        var kind = result.Kind.Name();
        var mode = result.Mode.Name();
        if (result.GuardTripped is { } guard)
        {
            LogGuardTripped(_logger, result.TaskName, kind, mode, guard);
        }

        foreach (var error in result.Errors.Take(20))
        {
            LogRunError(_logger, result.TaskName, kind, mode, error.Stage.Name(), error.Key ?? "-", error.Message);
        }

        var changed = result.Added + result.Updated + result.Removed;
        if (result.Mode == SyncMode.Full || changed > 0 || result.Errors.Count > 0)
        {
            LogRunFinished(_logger, result.TaskName, kind, mode, result.Read, result.Added, result.Updated, result.Removed,
                result.Refused, result.Failed, result.Drift, (long)result.Duration.TotalMilliseconds);
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information,
        Message = "Task {Task} {Kind} {Mode} run: read {Read}, added {Added}, updated {Updated}, removed {Removed}, refused {Refused}, failed {Failed}, drift {Drift}, {DurationMs} ms")]
    private static partial void LogRunFinished(ILogger logger, string task, string kind, string mode, long read, long added, long updated, long removed, long refused, long failed, long drift, long durationMs);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Task {Task} {Kind} {Mode} run: guard refused deletions: {Reason}")]
    private static partial void LogGuardTripped(ILogger logger, string task, string kind, string mode, string reason);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Task {Task} {Kind} {Mode} run: {Stage} error at {Key}: {Message}")]
    private static partial void LogRunError(ILogger logger, string task, string kind, string mode, string stage, string key, string message);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information,
        Message = "Task {Task} {Kind} full run: compacting collection took {PauseMs} ms (the process paused), heap {BeforeMb} → {AfterMb} MB")]
    private static partial void LogCompacted(ILogger logger, string task, string kind, long pauseMs, long beforeMb, long afterMb);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "Task {Task} {Kind} {Mode} run crashed")]
    private static partial void LogRunCrashed(ILogger logger, Exception exception, string task, string kind, string mode);
}
