using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace NacosSync.Engine.Naming;

/// <summary>
/// Says when the keeper falls behind, before the target expires anything: a warning when a task's most overdue
/// beat is more than one interval late (it has missed a whole beat), at most once per
/// <see cref="ReplicaKeeperOptions.FailureReportInterval"/> per task, and one line once its beats are on time
/// again. Late beats are a capacity problem, not a failing node (<see cref="BeatFailureLog"/>): the warning names
/// the remedy.
/// </summary>
internal sealed partial class BeatLatenessLog(TimeProvider timeProvider, ILogger logger, TimeSpan reportInterval)
{
    private readonly ConcurrentDictionary<string, Stream> _streams = new(StringComparer.Ordinal);

    /// <summary>Whether a warning for <paramref name="task"/> is due now (and, if so, counts it as given).</summary>
    public bool ShouldReport(string task)
    {
        var stream = _streams.GetOrAdd(task, _ => new Stream());
        var now = timeProvider.GetUtcNow();
        lock (stream)
        {
            stream.Late = true;
            if (stream.ReportedAt is { } at && now - at < reportInterval)
            {
                return false;
            }

            stream.ReportedAt = now;
            return true;
        }
    }

    public void Report(string task, int replicas, TimeSpan late, TimeSpan? timeout) =>
        LogBeatsLate(logger, task, replicas, late, timeout?.ToString("c", System.Globalization.CultureInfo.InvariantCulture) ?? "the target's default");

    /// <summary>The task's beats are within one interval of their due times again.</summary>
    public void OnTime(string task)
    {
        if (!_streams.TryGetValue(task, out var stream))
        {
            return;
        }

        lock (stream)
        {
            if (!stream.Late)
            {
                return;
            }

            stream.Late = false;
        }

        LogBeatsOnTime(logger, task);
    }

    private sealed class Stream
    {
        public bool Late;

        public DateTimeOffset? ReportedAt;
    }

    [LoggerMessage(EventId = 4159, Level = LogLevel.Warning, Message = "Task {Task}: {Replicas} replica(s) are beaten more than one interval late (the most overdue by {Late}); "
        + "the target marks a replica unhealthy after {Timeout} without a beat and later deletes it. The keeper cannot send this many beats at the declared interval: "
        + "hold the task's replicas with 'Naming:ReplicaHolding: Connection', or declare a longer 'Naming:Heartbeat:Interval' with a Timeout to match")]
    private static partial void LogBeatsLate(ILogger logger, string task, int replicas, TimeSpan late, string timeout);

    [LoggerMessage(EventId = 4160, Level = LogLevel.Information, Message = "Task {Task}: heartbeats are on time again")]
    private static partial void LogBeatsOnTime(ILogger logger, string task);
}
