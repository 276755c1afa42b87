using System.Collections.Concurrent;
using NacosSync.Core.Config;
using NacosSync.Core.Sync;
using NacosSync.Storage.Config;

namespace NacosSync.Engine.Config;

/// <summary>One source key that changed since the checkpoint, its target key, and when it changed (UTC, <see cref="ConfigChangeClock"/>).</summary>
internal sealed record ConfigChange(ConfigKey Source, ConfigKey Target, DateTimeOffset ChangedAt);

/// <summary>
/// Reads the source's <c>his_config_info</c> since the checkpoint: rows above its <c>nid</c>, plus the rows of the
/// overlap window before the newest history time it saw (an AUTO_INCREMENT <c>nid</c> can become visible out of commit
/// order). The window is measured in the clock that wrote the history (the database's or, before Nacos 2.4, the
/// server's JVM), never compared with another clock.
/// </summary>
internal sealed class ConfigChangeReader
{
    private const int HistoryPage = 5_000;

    /// <summary>At most this many history rows per run; the rest at the next run. Default 50,000.</summary>
    public int MaxHistoryPerRun { get; init; } = 50_000;

    /// <summary>How far before the newest history time seen rows are read again. Default 60 s.</summary>
    public TimeSpan OverlapWindow { get; init; } = TimeSpan.FromSeconds(60);

    public required TimeProvider Time { get; init; }

    /// <summary>The rows each task already read inside the window (this process); null: the window is applied whole every run.</summary>
    public ConfigHistorySeen? Seen { get; init; }

    public async Task<(IReadOnlyList<ConfigChange> Changes, ConfigPosition Next)> ReadAsync(ConfigTaskScope scope, ConfigPosition position, ConfigRunTally tally,
        CancellationToken cancellationToken)
    {
        tally.Stage = SyncStage.ReadSource;
        var (databaseNow, databaseUtcNow) = await scope.History.ClockAsync(cancellationToken);
        var offset = ConfigChangeClock.Offset(databaseNow, databaseUtcNow);
        var readAt = Time.GetUtcNow();
        var overlap = await scope.History.ReadOverlapAsync(position.Nid, position.HistoryTime - OverlapWindow, cancellationToken);
        var seen = Seen?.For(scope.TaskName, position.Nid);
        var entries = new List<ConfigHistoryEntry>(seen is null ? overlap : overlap.Where(e => !seen.Contains(e.Nid)));
        var read = new List<ConfigHistoryEntry>(overlap);
        var nid = position.Nid;
        while (entries.Count < MaxHistoryPerRun)
        {
            var page = await scope.History.ReadAfterAsync(nid, HistoryPage, cancellationToken);
            entries.AddRange(page);
            read.AddRange(page);
            if (page.Count > 0)
            {
                nid = page[^1].Nid;
            }

            if (page.Count < HistoryPage)
            {
                break;
            }
        }

        var historyTime = entries.Count == 0 ? position.HistoryTime : new[] { position.HistoryTime, entries.Max(e => e.ModifiedAt) }.Max();
        Seen?.Record(scope.TaskName, nid, read, historyTime - OverlapWindow);
        var changes = entries
            .Where(e => scope.InRequestedNamespace(e.Key.Tenant))
            .GroupBy(e => e.Key)
            .Select(g => (Source: g.Key, Target: scope.Mapping.MapKey(g.Key), At: g.Max(e => e.ModifiedAt)))
            .Where(c => c.Target is not null)
            .Select(c => new ConfigChange(c.Source, c.Target!.Value, ConfigChangeClock.ChangedAt(c.At, offset, position.ReadAt, readAt)))
            .ToList();
        return (changes, position with { Nid = nid, HistoryTime = historyTime, ReadAt = readAt });
    }
}

/// <summary>
/// The history rows each task has already read inside the overlap window, in this process. The next run still reads the
/// window (a lower nid can become visible late) but applies only the rows it has not seen, so a steady stream of changes
/// costs each change once, not once per run for as long as it stays in the window (at 50 changes/s and 60 s, 3,000 keys
/// compared again every run). What is recorded holds only for the position it was read up to: a run from any other
/// position (after a full run, a failed checkpoint save, another replica's run, a restart) applies the window whole.
/// Bounded by the window: rows older than it are dropped at each record.
/// </summary>
internal sealed class ConfigHistorySeen
{
    private readonly ConcurrentDictionary<string, (long UpToNid, HashSet<long> Nids)> _tasks = new(StringComparer.Ordinal);

    /// <summary>The nids the task read inside the window, when its last read ended at <paramref name="positionNid"/>; else null.</summary>
    public IReadOnlySet<long>? For(string task, long positionNid) =>
        _tasks.TryGetValue(task, out var seen) && seen.UpToNid == positionNid ? seen.Nids : null;

    public void Record(string task, long upToNid, IEnumerable<ConfigHistoryEntry> read, DateTime windowStart)
    {
        _tasks[task] = (upToNid, read.Where(e => e.ModifiedAt >= windowStart).Select(e => e.Nid).ToHashSet());
    }
}
