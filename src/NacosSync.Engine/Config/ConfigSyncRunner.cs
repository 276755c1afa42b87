using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NacosSync.Core.Options;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.Engine.Sync;
using NacosSync.Nacos.Transport;
using NacosSync.Storage.Config;

namespace NacosSync.Engine.Config;

/// <summary>
/// Config sync of one task, database or API mode (docs/config.md): refuses a task whose source and target are one,
/// then runs a <see cref="ConfigFullRun"/> or a <see cref="ConfigIncrementalRun"/> (which hands over to a full run when
/// its checkpoint cannot be trusted). Failures are in the result, never thrown to the scheduler.
/// </summary>
internal sealed partial class ConfigSyncRunner(
    IOptionsMonitor<NacosSyncOptions> options,
    IRunStateStore stateStore,
    ConfigOwnershipLedger ledger,
    IConfigEndpointsProvider endpoints,
    TimeProvider timeProvider,
    ILogger<ConfigSyncRunner> logger,
    ConfigSourceWatches? sourceWatches = null) : ISyncRunner
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _fallbackFullAt = new(StringComparer.Ordinal);

    /// <summary>Shared by every run of this process: at most one localCache per target node per interval.</summary>
    private readonly LocalCacheCoalescer _localCache = new(timeProvider);
    private readonly TaskPacer _leftovers = new(timeProvider) { Interval = TimeSpan.FromSeconds(1) };
    private readonly ConfigHistorySeen _historySeen = new();

    private readonly TaskPacer _guardWarnings = new(timeProvider) { Interval = TimeSpan.FromMinutes(1) };

    /// <summary>
    /// How long after a full run that stood in for an incremental one (no usable checkpoint) the next may start. Default
    /// 60 s: when the checkpoint cannot be saved, incremental runs (every second) must not turn into back-to-back full runs.
    /// </summary>
    public TimeSpan FallbackFullInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How far before the newest history time each incremental run reads the source's history again
    /// (<see cref="ConfigChangeReader.OverlapWindow"/>). Default 60 s; tests shorten it.
    /// </summary>
    internal TimeSpan HistoryOverlap { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Tests only: write rows but skip the cache refresh, to show what a node serves without it.</summary>
    internal bool SkipCacheRefresh { get; init; }

    /// <summary>Tests only: false sends database-mode deletes straight to the database.</summary>
    internal bool DeleteThroughApi { get; init; } = true;

    /// <summary>Tests only: wraps the run's target (to simulate a crash between two writes).</summary>
    internal Func<IConfigTarget, IConfigTarget>? TargetDecorator { get; init; }

    public SyncKind Kind => SyncKind.Config;

    public async Task<SyncRunResult> RunAsync(string taskName, SyncMode mode, SyncRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = timeProvider.GetTimestamp();
        var tally = new ConfigRunTally { ListDifferences = request.DryRun };
        try
        {
            await RunCoreAsync(taskName, mode, request, tally, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (Expected(ex, tally.Stage) is { } expected)
        {
            // A cluster or database that failed as they do (unreachable, refused, malformed): its message says it all.
            var (stage, cause) = expected;
            LogRunFailedExpected(logger, taskName, mode, stage.Name(), cause.Message);
            tally.Error(stage, cause.Message, unreachable: cause is NacosUnreachableException or NacosUnauthorizedException or NacosVersionUnknownException);
        }
        catch (Exception ex)
        {
            // The run's boundary: whatever failed is reported in the result, under the stage it happened in.
            LogRunFailed(logger, ex, taskName, mode);
            tally.Error(tally.Stage, ex is CheckpointConflictException ? $"{ex.Message}; this run's checkpoint was not saved" : ex.Message);
        }

        var result = tally.ToResult(taskName, mode, timeProvider.GetElapsedTime(started));
        LogRun(logger, taskName, mode, result.Added, result.Updated, result.Removed, result.Refused, result.Failed, result.Errors.Count);
        return result;
    }

    private async Task RunCoreAsync(string taskName, SyncMode mode, SyncRunRequest request, ConfigRunTally tally, CancellationToken cancellationToken)
    {
        var all = options.CurrentValue;
        if (!all.Tasks.TryGetValue(taskName, out var task))
        {
            tally.Error(SyncStage.ReadSource, $"no task named '{taskName}'");
            return;
        }

        if (!task.Config.Enabled)
        {
            LogDisabled(logger, taskName);
            return;
        }

        if (string.Equals(task.Source, task.Target, StringComparison.Ordinal))
        {
            tally.Error(SyncStage.ReadSource, $"task '{taskName}': source and target are the same cluster ({task.Source}); refusing to run");
            return;
        }

        var factory = new ConfigTaskScopeFactory(endpoints, logger) { DeleteThroughApi = DeleteThroughApi };
        var (created, refusal) = await factory.CreateAsync(taskName, task, all, request, cancellationToken);
        if (created is not { } scope)
        {
            tally.Error(SyncStage.ReadTarget, refusal!);
            return;
        }

        if (TargetDecorator is { } decorate)
        {
            scope = scope with { Target = decorate(scope.Target) };
        }

        await ledger.ClaimUnassignedAsync(scope.Ledger, cancellationToken);
        var stages = Stages();
        if (mode == SyncMode.Incremental)
        {
            // Every change pushed before this point is in the history this run reads; a later push wakes another run.
            sourceWatches?.Wakes.Begin(taskName, SyncKind.Config);
            if (await new ConfigIncrementalRun(scope, stages, logger).RunAsync(tally, cancellationToken) is not { } fallback)
            {
                await TrackAsync(scope, full: false, tally, cancellationToken);
                return;
            }

            var now = timeProvider.GetUtcNow();
            if (_fallbackFullAt.TryGetValue(taskName, out var last) && now - last < FallbackFullInterval)
            {
                LogFallbackWaits(logger, taskName, fallback, last + FallbackFullInterval);
                return;
            }

            _fallbackFullAt[taskName] = now;
            LogFallback(logger, taskName, fallback);
        }

        await new ConfigFullRun(scope, stages).RunAsync(tally, cancellationToken);
        await TrackAsync(scope, full: true, tally, cancellationToken);
    }

    /// <summary>A source on gRPC is listened to (docs/config.md): its pushes wake the next incremental run at once.</summary>
    private Task TrackAsync(ConfigTaskScope scope, bool full, ConfigRunTally tally, CancellationToken cancellationToken) =>
        sourceWatches is null ? Task.CompletedTask : sourceWatches.TrackAsync(scope, full, tally.SourceChanges, cancellationToken);

    private ConfigStages Stages()
    {
        var state = new ConfigRunStateStore(stateStore, timeProvider);
        var writer = new ConfigUpsertWriter(ledger, logger);
        return new ConfigStages(
            state,
            new ConfigNamespaceCreator(logger),
            new ConfigFullDiff(writer, logger),
            new ConfigChangeReader { Time = timeProvider, OverlapWindow = HistoryOverlap, Seen = _historySeen },
            writer,
            new ConfigRemover(ledger, state, logger, _guardWarnings),
            new ConfigVariantSync(ledger),
            new ConfigVerifier(timeProvider, logger, _localCache, _leftovers) { SkipCacheRefresh = SkipCacheRefresh },
            timeProvider);
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Config sync of task {Task} is disabled")]
    private static partial void LogDisabled(ILogger logger, string task);

    /// <summary>The stage and cause of a failure a cluster or database produces in normal operation; null for anything else (a bug).</summary>
    private static (SyncStage Stage, Exception Cause)? Expected(Exception exception, SyncStage current) => exception switch
    {
        ConfigReadException { InnerException: NacosException or System.Data.Common.DbException } tagged => (tagged.Stage, tagged.InnerException!),
        NacosException or System.Data.Common.DbException => (current, exception),
        _ => null,
    };

    [LoggerMessage(EventId = 5016, Level = LogLevel.Warning, Message = "Config sync run of task {Task} ({Mode}) failed at {Stage}: {Error}")]
    private static partial void LogRunFailedExpected(ILogger logger, string task, SyncMode mode, string stage, string error);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Config sync run of task {Task} ({Mode}) failed")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string task, SyncMode mode);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Debug, Message = "Config sync of task {Task} ({Mode}): {Added} added, {Updated} updated, {Removed} removed, {Refused} refused, {Failed} failed, {Errors} error(s)")]
    private static partial void LogRun(ILogger logger, string task, SyncMode mode, long added, long updated, long removed, long refused, long failed, int errors);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Information, Message = "Config task {Task}: incremental run replaced by a full one: {Reason}")]
    private static partial void LogFallback(ILogger logger, string task, string reason);

    [LoggerMessage(EventId = 5015, Level = LogLevel.Debug, Message = "Config task {Task}: incremental run skipped ({Reason}); the next full run that stands in for it starts after {Next}")]
    private static partial void LogFallbackWaits(ILogger logger, string task, string reason, DateTimeOffset next);
}
