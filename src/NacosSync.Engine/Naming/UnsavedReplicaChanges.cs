using System.Collections.Concurrent;
using NacosSync.Core.State;
using NacosSync.Core.Sync;

namespace NacosSync.Engine.Naming;

/// <summary>
/// The changes of the kept replica set not yet written to the run-state store (<see cref="StateScope.Replica"/>): a row
/// per replica kept or changed, a delete per replica dropped. Saved in one write per task; a change made while a save
/// is under way stays for the next one (a row is removed from here only if it is still the one that was written).
/// </summary>
internal sealed class UnsavedReplicaChanges(IRunStateStore store) : IDisposable
{
    private readonly ConcurrentDictionary<ReplicaId, StateEntry?> _changes = new();
    private readonly SemaphoreSlim _saveLock = new(1, 1);

    /// <summary>Whether a change of the replica waits to be saved (the store cannot know it yet).</summary>
    public bool Contains(ReplicaId id) => _changes.ContainsKey(id);

    public void Kept(ReplicaId id, StateEntry row) => _changes[id] = row;

    public void Dropped(ReplicaId id) => _changes[id] = null;

    /// <summary>Forgets a change the caller writes itself.</summary>
    public void Discard(ReplicaId id) => _changes.TryRemove(id, out _);

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
            foreach (var byTask in batch.GroupBy(b => b.Key.Task, StringComparer.Ordinal))
            {
                var upserts = byTask.Where(b => b.Value is not null).Select(b => b.Value!).ToList();
                var deletes = byTask.Where(b => b.Value is null).Select(b => b.Key.Address.Id).ToList();
                await store.WriteEntriesAsync(new StateKey(byTask.Key, SyncKind.Naming), StateScope.Replica, upserts, deletes, cancellationToken);
                foreach (var (id, row) in byTask)
                {
                    _changes.TryRemove(new KeyValuePair<ReplicaId, StateEntry?>(id, row));
                }
            }
        }
        finally
        {
            _saveLock.Release();
        }
    }

    public void Dispose() => _saveLock.Dispose();
}
