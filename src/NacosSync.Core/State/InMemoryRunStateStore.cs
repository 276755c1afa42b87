namespace NacosSync.Core.State;

/// <summary>
/// The run state of a single replica with no state database (the demo, small installs, unit tests):
/// the same contract as the MySQL store, lost with the process.
/// </summary>
public sealed class InMemoryRunStateStore(TimeProvider timeProvider) : IRunStateStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<StateKey, Checkpoint> _checkpoints = [];
    private readonly Dictionary<(StateKey, StateScope), Dictionary<string, StateEntry>> _entries = [];

    public Task<Checkpoint?> LoadCheckpointAsync(StateKey key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_checkpoints.GetValueOrDefault(key));
        }
    }

    public Task<Checkpoint> SaveCheckpointAsync(StateKey key, string? position, bool fullSyncCompleted, long expectedVersion, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var now = timeProvider.GetUtcNow();
        lock (_lock)
        {
            var current = _checkpoints.GetValueOrDefault(key);
            var actual = Checkpoint.VersionOf(current);
            if (actual != expectedVersion)
            {
                throw new CheckpointConflictException(key, expectedVersion, actual);
            }

            var saved = new Checkpoint(position, fullSyncCompleted ? now : current?.FullSyncAt, now, actual + 1);
            _checkpoints[key] = saved;
            return Task.FromResult(saved);
        }
    }

    public Task<IReadOnlyList<StateEntry>> LoadEntriesAsync(StateKey key, StateScope scope, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<StateEntry> rows = _entries.TryGetValue((key, scope), out var map)
                ? [.. map.Values.OrderBy(e => e.Key, StringComparer.Ordinal)]
                : [];
            return Task.FromResult(rows);
        }
    }

    public Task<bool> ContainsEntryAsync(StateKey key, StateScope scope, string entryKey, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_entries.TryGetValue((key, scope), out var map) && map.ContainsKey(entryKey));
        }
    }

    public Task WriteEntriesAsync(StateKey key, StateScope scope, IReadOnlyCollection<StateEntry> upserts, IReadOnlyCollection<string> deletes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upserts);
        ArgumentNullException.ThrowIfNull(deletes);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!_entries.TryGetValue((key, scope), out var map))
            {
                _entries[(key, scope)] = map = new Dictionary<string, StateEntry>(StringComparer.Ordinal);
            }

            foreach (var deleted in deletes)
            {
                map.Remove(deleted);
            }

            foreach (var entry in upserts)
            {
                map[entry.Key] = entry;
            }
        }

        return Task.CompletedTask;
    }

    public Task<int> DeleteEntriesBeforeAsync(StateKey key, StateScope scope, DateTimeOffset before, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue((key, scope), out var map))
            {
                return Task.FromResult(0);
            }

            var old = map.Values.Where(e => e.At < before).Select(e => e.Key).ToList();
            foreach (var k in old)
            {
                map.Remove(k);
            }

            return Task.FromResult(old.Count);
        }
    }
}
