using System.Collections.Concurrent;

namespace NacosSync.Engine.Config;

/// <summary>
/// How often an incremental run of a task proves again the keys earlier runs left unproven: at most once per
/// <see cref="MinInterval"/>. Runs come several times a second under a steady stream of changes, and a backlog
/// (thousands of keys an initial copy could not prove before its deadline) would otherwise be asked of every node by
/// each of them. One per process (the runner holds it); a replica that takes the task over proves them at once.
/// </summary>
internal sealed class LeftoverProofPacer(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, long> _lastChecked = new(StringComparer.Ordinal);

    /// <summary>The least time between two proofs of one task's left-over keys. Default 1 s.</summary>
    public TimeSpan MinInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether this run proves the task's left-over keys; true records it as the last time.</summary>
    public bool TryBegin(string task)
    {
        var now = timeProvider.GetTimestamp();
        while (true)
        {
            if (!_lastChecked.TryGetValue(task, out var last))
            {
                if (_lastChecked.TryAdd(task, now))
                {
                    return true;
                }

                continue;
            }

            if (timeProvider.GetElapsedTime(last, now) < MinInterval)
            {
                return false;
            }

            if (_lastChecked.TryUpdate(task, now, last))
            {
                return true;
            }
        }
    }
}
