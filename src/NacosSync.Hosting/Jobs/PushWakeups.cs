using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.Engine.Naming;

namespace NacosSync.Hosting.Jobs;

/// <summary>
/// Starts a task's incremental naming run as soon as the change feed reports a push (<see cref="NamingChangeFeed.Woken"/>),
/// instead of waiting for the next tick of the interval job: pushes within <see cref="Debounce"/> share one run. A run
/// already in progress (the interval job's, or an earlier wake-up's) is waited for and followed by one more, so a push that
/// came during a run is applied right after it (the run left its service dirty). On the task's owner only, as the job.
/// </summary>
internal sealed partial class PushWakeups(NamingChangeFeed feed, SyncJobExecutor executor, ITaskOwnership ownership, TimeProvider timeProvider,
    ILogger<PushWakeups> logger) : BackgroundService
{
    /// <summary>How long a wake-up waits for more pushes before it runs: coalesces a burst into one run.</summary>
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a wake-up that found a run in progress waits before it tries again.</summary>
    public static readonly TimeSpan BusyRetry = TimeSpan.FromMilliseconds(50);

    private readonly ConcurrentDictionary<string, Channel<bool>> _signals = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<Task> _loops = [];
    private CancellationToken _stopping;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        feed.Woken += OnWoken;
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, timeProvider, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            feed.Woken -= OnWoken;
            await Task.WhenAll(_loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void OnWoken(string taskName)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        var signal = _signals.GetOrAdd(taskName, name =>
        {
            var channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
            _loops.Add(Task.Run(() => WakeLoopAsync(name, channel.Reader, _stopping)));
            return channel;
        });
        signal.Writer.TryWrite(true); // one pending signal is enough: the run takes every dirty service
    }

    private async Task WakeLoopAsync(string taskName, ChannelReader<bool> signals, CancellationToken cancellationToken)
    {
        try
        {
            while (await signals.WaitToReadAsync(cancellationToken))
            {
                await Task.Delay(Debounce, timeProvider, cancellationToken);
                signals.TryRead(out _);
                while (ownership.IsOwner(taskName)
                       && await executor.RunAsync(taskName, SyncKind.Naming, SyncMode.Incremental, SyncRunRequest.Default, cancellationToken) is null)
                {
                    await Task.Delay(BusyRetry, timeProvider, cancellationToken); // another run holds the task: follow it
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
#pragma warning disable CA1031 // The boundary of a background loop: the interval job still runs the task.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogWakeupsStopped(logger, taskName, ex);
        }
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Error, Message = "Task {Task}: push wake-ups stopped; incremental runs follow the interval job only")]
    private static partial void LogWakeupsStopped(ILogger logger, string task, Exception exception);
}
