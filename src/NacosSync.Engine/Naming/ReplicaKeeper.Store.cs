using Microsoft.Extensions.Logging;
using NacosSync.Core.State;
using NacosSync.Core.Sync;

namespace NacosSync.Engine.Naming;

/// <summary>
/// The keeper's kept set in the run-state store (<see cref="StateScope.Replica"/>): saving its changes, loading it at
/// start or when this replica takes a task over, letting a task go, and the check after a 20404 that a replica is still
/// kept here and in the store.
/// </summary>
internal sealed partial class ReplicaKeeper
{
    /// <summary>Writes the changes of the kept set to the run-state store (the loop does this every tick; runs call it as they end).</summary>
    public Task SaveAsync(CancellationToken cancellationToken) => _unsaved.SaveAsync(cancellationToken);

    /// <summary>Loads the persisted replicas of the restore tasks and schedules them, each spread over one of its intervals.</summary>
    public async Task RestoreAsync(CancellationToken cancellationToken)
    {
        foreach (var task in _restoreTasks)
        {
            await RestoreTaskAsync(task, spread: null, cancellationToken);
        }
    }

    /// <summary>
    /// Loads one task's persisted replicas and schedules their first beats spread over <paramref name="spread"/>
    /// (default the interval each replica declares; shorter on a takeover, when they have been silent since the old owner died).
    /// </summary>
    public async Task RestoreTaskAsync(string task, TimeSpan? spread, CancellationToken cancellationToken)
    {
        var restored = 0;
        foreach (var row in await _store.LoadEntriesAsync(new StateKey(task, SyncKind.Naming), StateScope.Replica, cancellationToken))
        {
            if (ReplicaRow.TryRead(row, out var cluster, out var replica))
            {
                var entry = new KeptReplica(new ReplicaId(task, replica.Key.Address), cluster, replica);
                if (_entries.TryAdd(entry.Id, entry))
                {
                    if (_holding.HoldsOnConnection(task))
                    {
                        _holder.Hold(task, cluster, replica);
                    }
                    else
                    {
                        _scheduler.ScheduleWithin(entry, spread ?? entry.Interval(_options.Interval));
                    }

                    restored++;
                }
            }
        }

        LogRestored(_logger, task, restored);
        if (_holding.HoldsOnConnection(task))
        {
            Adopted(task);
        }
    }

    /// <summary>
    /// Stops beating a task's replicas without touching the store: another replica owns the task now and
    /// beats the persisted set (unlike <see cref="UntrackTask"/>, nothing is recorded as dropped).
    /// </summary>
    public void AbandonTask(string task)
    {
        var abandoned = new List<KeptReplica>();
        foreach (var id in _entries.Keys.Where(i => i.Task == task))
        {
            if (_entries.TryRemove(id, out var entry))
            {
                lock (entry)
                {
                    entry.Forgotten = true;
                }

                abandoned.Add(entry);
            }

            _unsaved.Discard(id);
        }

        Abandoned(task, abandoned);
    }

    /// <summary>
    /// After a 20404: whether the replica is still kept, here and in the store (another process — the CLI's
    /// resync, or another replica — may have removed it; a remover deletes the row before it deregisters).
    /// The store is read by a load that began after this answer, so no removal made before the answer is
    /// missed; 20404s that arrive together (a restarted target) share one load.
    /// </summary>
    private async Task<bool> StillKeptAsync(KeptReplica entry, CancellationToken cancellationToken)
    {
        if (entry.Forgotten || !_entries.TryGetValue(entry.Id, out var current) || !ReferenceEquals(current, entry))
        {
            return false;
        }

        if (_unsaved.Contains(entry.Id))
        {
            return true; // tracked here and not yet saved: the store cannot know it yet
        }

        try
        {
            return await _storedSet.ContainsAsync(entry.Id.Task, entry.Id.Address.Id, cancellationToken) && !entry.Forgotten;
        }
        catch (Exception ex) when (NamingCheckpoints.IsStoreFailure(ex))
        {
            LogStoreUnreadable(_logger, entry.Id.Task, ex.Message);
            return !entry.Forgotten; // availability first: the next full run removes what should go
        }
    }

    [LoggerMessage(EventId = 4155, Level = LogLevel.Information, Message = "Task {Task}: {Count} replica(s) loaded from the run-state store; beating them within one interval")]
    private static partial void LogRestored(ILogger logger, string task, int count);

    [LoggerMessage(EventId = 4156, Level = LogLevel.Warning, Message = "Task {Task}: the run-state store cannot be read to check a replica unknown to the target; registering it again: {Error}")]
    private static partial void LogStoreUnreadable(ILogger logger, string task, string error);
}
