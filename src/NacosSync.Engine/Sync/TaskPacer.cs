using System.Collections.Concurrent;

namespace NacosSync.Engine.Sync;

/// <summary>
/// Lets something a task's runs would repeat happen at most once per <see cref="Interval"/> per task, shared by every run
/// of the process (the runner holds one per purpose): a config task's "removals held back" warning (once a minute: held-back
/// removals are judged again at every run, and an operator needs the news, not a line per second), and the proof of the keys
/// earlier runs left unproven (once a second: under a steady stream several runs a second would each ask every node for the
/// whole backlog). A replica that takes a task over starts with none passed.
/// </summary>
internal sealed class TaskPacer(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _last = new(StringComparer.Ordinal);

    /// <summary>The least time between two passes for one task.</summary>
    public required TimeSpan Interval { get; init; }

    /// <summary>True when the task's thing should happen now (and counts it as happened).</summary>
    public bool TryPass(string taskName)
    {
        var now = timeProvider.GetUtcNow();
        var pass = true;
        _last.AddOrUpdate(taskName, now, (_, last) =>
        {
            pass = now - last >= Interval;
            return pass ? now : last;
        });
        return pass;
    }
}
