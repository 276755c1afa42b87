using System.Collections.Concurrent;

namespace NacosSync.Engine.Config;

/// <summary>
/// Lets a task's "removals held back" warning through once per <see cref="Interval"/>: held-back removals are judged
/// again at every run (every second by default), and an operator needs the news, not a line per second. The guard-trip
/// metric still counts every run. Shared by every run of the process.
/// </summary>
internal sealed class GuardWarningGate(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastWarned = new(StringComparer.Ordinal);

    /// <summary>Default 1 minute.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>True when the task's warning should be written now (and counts it as written).</summary>
    public bool ShouldWarn(string taskName)
    {
        var now = timeProvider.GetUtcNow();
        var warn = true;
        _lastWarned.AddOrUpdate(taskName, now, (_, last) =>
        {
            warn = now - last >= Interval;
            return warn ? now : last;
        });
        return warn;
    }
}
