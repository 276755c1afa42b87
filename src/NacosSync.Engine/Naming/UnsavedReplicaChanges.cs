using System.Collections.Concurrent;
using NacosSync.Core.Naming;
using NacosSync.Core.State;
using NacosSync.Core.Sync;

namespace NacosSync.Engine.Naming;

/// <summary>
/// The changes of the kept replica set not yet written to the run-state store (<see cref="StateScope.Replica"/>): a row
/// per replica kept or changed, a delete per replica dropped. A change made while a save is under way stays for the
/// next one (a change is removed from here only if it is still the one that was written).
/// A kept replica waits as the replica itself (which the kept set holds anyway), not as its row: rows are serialized
/// <see cref="ChunkSize"/> at a time as they are written, so a full run's 20,000 waiting rows per namespace (about
/// 1.4 KB of JSON text each) never live long enough together to be promoted and left as old-generation garbage.
/// </summary>
internal sealed class UnsavedReplicaChanges(IRunStateStore store) : IDisposable
{
    private readonly ConcurrentDictionary<ReplicaId, Change> _changes = new();
    private readonly SemaphoreSlim _saveLock = new(1, 1);

    /// <summary>Changes written per store write (its own transaction); default 2,000.</summary>
    public int ChunkSize { get; init; } = 2_000;

    /// <summary>Whether a change of the replica waits to be saved (the store cannot know it yet).</summary>
    public bool Contains(ReplicaId id) => _changes.ContainsKey(id);

    /// <summary>Records that <paramref name="replica"/> is kept in <paramref name="targetCluster"/> as of <paramref name="at"/>.</summary>
    public void Kept(ReplicaId id, string targetCluster, NamingInstance replica, DateTimeOffset at) => _changes[id] = new Change(targetCluster, replica, at);

    public void Dropped(ReplicaId id) => _changes[id] = Change.Dropped;

    /// <summary>Forgets a change the caller writes itself.</summary>
    public void Discard(ReplicaId id) => _changes.TryRemove(id, out _);

    /// <summary>
    /// Writes the changes waiting now, a task at a time and <see cref="ChunkSize"/> per write. A failed write leaves its
    /// chunk and the ones after it waiting (the chunks before it are saved and gone from here).
    /// </summary>
    public async Task SaveAsync(CancellationToken cancellationToken)
    {
        if (_changes.IsEmpty)
        {
            return;
        }

        await _saveLock.WaitAsync(cancellationToken);
        try
        {
            var batch = _changes.ToArray();
            // By task without a grouping's copies (at 20,000 changes those were large arrays): sorted in place, then each
            // task's run of changes written a chunk at a time.
            Array.Sort(batch, static (a, b) => string.CompareOrdinal(a.Key.Task, b.Key.Task));
            var size = Math.Max(1, ChunkSize);
            for (var start = 0; start < batch.Length;)
            {
                var task = batch[start].Key.Task;
                var end = start + 1;
                while (end < batch.Length && string.Equals(batch[end].Key.Task, task, StringComparison.Ordinal))
                {
                    end++;
                }

                for (var from = start; from < end; from += size)
                {
                    var chunk = new ArraySegment<KeyValuePair<ReplicaId, Change>>(batch, from, Math.Min(size, end - from));
                    var upserts = new List<StateEntry>(chunk.Count);
                    var deletes = new List<string>();
                    foreach (var (id, change) in chunk)
                    {
                        if (change.Replica is { } replica)
                        {
                            upserts.Add(ReplicaRow.From(change.TargetCluster, replica, change.At));
                        }
                        else
                        {
                            deletes.Add(id.Address.Id);
                        }
                    }

                    await store.WriteEntriesAsync(new StateKey(task, SyncKind.Naming), StateScope.Replica, upserts, deletes, cancellationToken);
                    foreach (var change in chunk)
                    {
                        _changes.TryRemove(change);
                    }
                }

                start = end;
            }
        }
        finally
        {
            _saveLock.Release();
        }
    }

    public void Dispose() => _saveLock.Dispose();

    /// <summary>One waiting change, compared by reference: a replica kept again while a save runs is a new change.</summary>
    private sealed class Change(string targetCluster, NamingInstance? replica, DateTimeOffset at)
    {
        public static readonly Change Dropped = new("", null, default);

        public string TargetCluster { get; } = targetCluster;

        /// <summary>The replica kept, or null for a drop.</summary>
        public NamingInstance? Replica { get; } = replica;

        public DateTimeOffset At { get; } = at;
    }
}
