using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.Engine.Sync;

namespace NacosSync.Hosting.Jobs;

/// <summary>
/// Starts a task's incremental run of one kind as soon as the source pushes a change (<see cref="SyncWakes"/>: the naming
/// change feed, the config source watch) instead of waiting for the next tick of the interval job: pushes within
/// <see cref="Debounce"/> share one run. A run already in progress (the interval job's, or an earlier wake-up's) is waited
/// for and followed by one more, so a push that came during a run is applied right after it. On the task's owner only, as
/// the jobs; on this replica, through the same <see cref="SyncJobExecutor"/> as the jobs (no trigger rows in a clustered store).
/// </summary>
internal sealed partial class SyncWakeService(SyncWakes wakes, SyncJobExecutor executor, ITaskOwnership ownership, TimeProvider timeProvider,
    ILogger<SyncWakeService> logger) : BackgroundService
{
    /// <summary>How long a wake-up waits for more pushes before it runs: coalesces a burst into one run.</summary>
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a wake-up that found a run in progress waits before it tries again.</summary>
    public static readonly TimeSpan BusyRetry = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a wake-up loop rests after a run that could not be started.</summary>
    private static readonly TimeSpan FailureRest = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<SyncWake, Channel<bool>> _signals = new();
    private readonly List<Task> _loops = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var wake in wakes.Wakes.ReadAllAsync(stoppingToken))
            {
                var signal = _signals.GetOrAdd(wake, key =>
                {
                    var channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
                    _loops.Add(Task.Run(() => WakeLoopAsync(key, channel.Reader, stoppingToken), CancellationToken.None));
                    return channel;
                });
                signal.Writer.TryWrite(true); // one pending signal is enough: the run takes every change made before it
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            await Task.WhenAll(_loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task WakeLoopAsync(SyncWake wake, ChannelReader<bool> signals, CancellationToken cancellationToken)
    {
        try
        {
            while (await signals.WaitToReadAsync(cancellationToken))
            {
                await Task.Delay(Debounce, timeProvider, cancellationToken);
                signals.TryRead(out _);
                wakes.Begin(wake.Task, wake.Kind); // from here a push asks for another run
                try
                {
                    while (ownership.IsOwner(wake.Task)
                           && await executor.RunAsync(wake.Task, wake.Kind, SyncMode.Incremental, SyncRunRequest.Default, cancellationToken) is null)
                    {
                        await Task.Delay(BusyRetry, timeProvider, cancellationToken); // another run holds the task: follow it
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The executor reports a run's failures itself; this is what it could not (the task unknown here, say).
                    // The interval job still runs the task; the next push tries again.
                    LogWakeFailed(logger, wake.Task, wake.Kind.Name(), ex);
                    await Task.Delay(FailureRest, timeProvider, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "Task {Task} {Kind}: a source push could not start an incremental run; the interval job runs it")]
    private static partial void LogWakeFailed(ILogger logger, string task, string kind, Exception exception);
}
