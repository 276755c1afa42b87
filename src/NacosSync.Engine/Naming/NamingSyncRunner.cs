using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NacosSync.Core.Naming;
using NacosSync.Core.Options;
using NacosSync.Core.Sync;
using NacosSync.Engine.Clusters;

namespace NacosSync.Engine.Naming;

/// <summary>
/// The naming sync of one task as an <see cref="ISyncRunner"/>: refuses what must not run, then picks the
/// mode. Full runs (<see cref="NamingFullRun"/>) re-read everything; incremental runs
/// (<see cref="NamingIncrementalRun"/>) follow the change feed. An incremental tick before the feed watches
/// the task resumes from the applied baselines in the run-state store, or, where there are none, runs full.
/// </summary>
internal sealed partial class NamingSyncRunner(IOptions<NacosSyncOptions> options, ClusterRegistry clients, NamingFullRun full, NamingIncrementalRun? incremental,
    NamingChangeFeed? feed, ILogger<NamingSyncRunner> logger) : ISyncRunner
{
    public SyncKind Kind => SyncKind.Naming;

    public async Task<SyncRunResult> RunAsync(string taskName, SyncMode mode, SyncRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();
        var tally = new NamingRunTally(taskName, mode);
        try
        {
            if (Refusal(taskName) is { } refusal)
            {
                tally.Error(SyncStage.ReadSource, refusal);
            }
            else if (options.Value.Tasks[taskName].Naming.Enabled)
            {
                var task = Describe(taskName, options.Value.Tasks[taskName]);
                await PickModeAsync(task, mode, request, tally, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            LogRunFailed(logger, taskName, mode.Name(), ex);
            tally.Error(SyncStage.Write, $"unexpected: {ex.GetType().Name}: {ex.Message}");
        }

        return tally.Result(Stopwatch.GetElapsedTime(started));
    }

    private string? Refusal(string taskName) =>
        !options.Value.Tasks.TryGetValue(taskName, out var task) ? $"Tasks:{taskName}: no such task"
        : string.Equals(task.Source, task.Target, StringComparison.Ordinal) && task.Naming.Enabled
            ? $"Tasks:{taskName}: source and target are the same cluster '{task.Source}'; refusing to run"
            : null;

    private async Task PickModeAsync(NamingTask task, SyncMode mode, SyncRunRequest request, NamingRunTally tally, CancellationToken cancellationToken)
    {
        if (mode == SyncMode.Full || feed is null || incremental is null)
        {
            await full.RunAsync(task, request, tally, cancellationToken);
        }
        else if (feed.IsWatching(task.Name) || await ResumeAsync(task, tally, cancellationToken))
        {
            await incremental.RunAsync(task, request, tally, cancellationToken);
        }
        else if (feed.TryStartFullRun(task.Name))
        {
            // Nothing to resume from: the first run of a task runs full at the first incremental tick, not
            // at the next cron of the full job. While that fails, it is tried at most every 10 s.
            tally.Mode = SyncMode.Full;
            await full.RunAsync(task, request, tally, cancellationToken);
        }
    }

    /// <summary>Resumes the feed from the applied baselines in the store (written only by complete full runs and the incremental runs after them).</summary>
    private async Task<bool> ResumeAsync(NamingTask task, NamingRunTally tally, CancellationToken cancellationToken)
    {
        try
        {
            return await feed!.ResumeAsync(task, cancellationToken);
        }
        catch (Exception ex) when (NamingCheckpoints.IsStoreFailure(ex))
        {
            tally.Error(SyncStage.ReadTarget, $"loading the applied baselines failed: {ex.Message}");
            return false;
        }
    }

    private NamingTask Describe(string taskName, SyncTaskOptions task)
    {
        var owner = new ReplicaOwner(taskName, clients.ClusterId(task.Source));
        return new NamingTask(taskName, task, owner, new NamingMapper(owner, task), clients.Naming(task.Source), clients.Naming(task.Target));
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Error, Message = "Task {Task}: naming {Mode} run failed")]
    private static partial void LogRunFailed(ILogger logger, string task, string mode, Exception exception);
}
