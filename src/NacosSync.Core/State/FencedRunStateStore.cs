namespace NacosSync.Core.State;

/// <summary>
/// The run-state store as an owner writes it: every write first checks that this replica's lease on the
/// task is still the stored one (<see cref="ITaskOwnership.EnsureOwnerAsync"/>), so a replica that lost its
/// task (paused, partitioned, slow to notice) gets <see cref="StaleTaskLeaseException"/> instead of
/// overwriting what the new owner wrote. Reads pass through. The check and the write are two statements: a
/// lease that lapses between them (a pause of a whole lease duration in between) is not caught here, which
/// is why checkpoints are also compare-and-set on their version.
/// </summary>
public sealed class FencedRunStateStore(IRunStateStore inner, ITaskOwnership ownership) : IRunStateStore
{
    public Task<Checkpoint?> LoadCheckpointAsync(StateKey key, CancellationToken cancellationToken) => inner.LoadCheckpointAsync(key, cancellationToken);

    public async Task<Checkpoint> SaveCheckpointAsync(StateKey key, string? position, bool fullSyncCompleted, long expectedVersion, CancellationToken cancellationToken)
    {
        await ownership.EnsureOwnerAsync(key.Task, cancellationToken);
        return await inner.SaveCheckpointAsync(key, position, fullSyncCompleted, expectedVersion, cancellationToken);
    }

    public Task<IReadOnlyList<StateEntry>> LoadEntriesAsync(StateKey key, StateScope scope, CancellationToken cancellationToken) =>
        inner.LoadEntriesAsync(key, scope, cancellationToken);

    public Task<bool> ContainsEntryAsync(StateKey key, StateScope scope, string entryKey, CancellationToken cancellationToken) =>
        inner.ContainsEntryAsync(key, scope, entryKey, cancellationToken);

    public async Task WriteEntriesAsync(StateKey key, StateScope scope, IReadOnlyCollection<StateEntry> upserts, IReadOnlyCollection<string> deletes,
        CancellationToken cancellationToken)
    {
        await ownership.EnsureOwnerAsync(key.Task, cancellationToken);
        await inner.WriteEntriesAsync(key, scope, upserts, deletes, cancellationToken);
    }

    public async Task<int> DeleteEntriesBeforeAsync(StateKey key, StateScope scope, DateTimeOffset before, CancellationToken cancellationToken)
    {
        await ownership.EnsureOwnerAsync(key.Task, cancellationToken);
        return await inner.DeleteEntriesBeforeAsync(key, scope, before, cancellationToken);
    }
}
