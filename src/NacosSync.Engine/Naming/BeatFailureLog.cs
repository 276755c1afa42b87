using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NacosSync.Core.Naming;

namespace NacosSync.Engine.Naming;

/// <summary>
/// Turns failing beats into a few lines: one warning when beats of a task to a target cluster start
/// failing, then at most one per <see cref="ReplicaKeeperOptions.FailureReportInterval"/> with the
/// count since the last, and one line when they succeed again. A node that is down for an hour
/// writes about sixty lines, not one per replica per beat.
/// </summary>
internal sealed partial class BeatFailureLog(TimeProvider timeProvider, ILogger logger, TimeSpan reportInterval)
{
    private readonly ConcurrentDictionary<(string Task, string Cluster), Stream> _streams = new();

    public void Failed(ReplicaId id, string cluster, string error)
    {
        var stream = _streams.GetOrAdd((id.Task, cluster), _ => new Stream());
        var now = timeProvider.GetUtcNow();
        long failures;
        lock (stream)
        {
            stream.Failures++;
            if (stream.ReportedAt is { } at && now - at < reportInterval)
            {
                return;
            }

            failures = stream.Failures;
            stream.Failures = 0;
            stream.ReportedAt = now;
        }

        LogBeatsFailing(logger, id.Task, cluster, failures, id.Address.Service, id.Address.Ip, id.Address.Port, error);
    }

    public void Succeeded(ReplicaId id, string cluster)
    {
        if (!_streams.TryGetValue((id.Task, cluster), out var stream))
        {
            return;
        }

        long failures;
        lock (stream)
        {
            if (stream.ReportedAt is null)
            {
                return;
            }

            failures = stream.Failures;
            stream.Failures = 0;
            stream.ReportedAt = null;
        }

        LogBeatsRecovered(logger, id.Task, cluster, failures);
    }

    private sealed class Stream
    {
        public long Failures;

        public DateTimeOffset? ReportedAt;
    }

    [LoggerMessage(EventId = 4151, Level = LogLevel.Warning, Message = "Task {Task}: {Failures} heartbeat(s) to '{Cluster}' failed since the last report (latest: {Service} {Ip}:{Port}: {Error}); further failures are summed up once a minute")]
    private static partial void LogBeatsFailing(ILogger logger, string task, string cluster, long failures, ServiceKey service, string ip, int port, string error);

    [LoggerMessage(EventId = 4153, Level = LogLevel.Information, Message = "Task {Task}: heartbeats to '{Cluster}' succeed again ({Failures} more failed before)")]
    private static partial void LogBeatsRecovered(ILogger logger, string task, string cluster, long failures);
}
