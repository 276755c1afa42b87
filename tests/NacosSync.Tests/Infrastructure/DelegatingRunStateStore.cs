using NacosSync.Core.State;

namespace NacosSync.Tests.Infrastructure;

/// <summary>A run-state store that passes every call to <paramref name="inner"/>; tests override the calls they count or script.</summary>
internal abstract class DelegatingRunStateStore(IRunStateStore inner) : IRunStateStore
{
    public virtual Task<Checkpoint?> LoadCheckpointAsync(StateKey key, CancellationToken cancellationToken) => inner.LoadCheckpointAsync(key, cancellationToken);

    public virtual Task<Checkpoint> SaveCheckpointAsync(StateKey key, string? position, bool fullSyncCompleted, long expectedVersion, CancellationToken cancellationToken) =>
        inner.SaveCheckpointAsync(key, position, fullSyncCompleted, expectedVersion, cancellationToken);

    public virtual Task<IReadOnlyList<StateEntry>> LoadEntriesAsync(StateKey key, StateScope scope, CancellationToken cancellationToken) =>
        inner.LoadEntriesAsync(key, scope, cancellationToken);

    public virtual Task<bool> ContainsEntryAsync(StateKey key, StateScope scope, string entryKey, CancellationToken cancellationToken) =>
        inner.ContainsEntryAsync(key, scope, entryKey, cancellationToken);

    public virtual Task WriteEntriesAsync(StateKey key, StateScope scope, IReadOnlyCollection<StateEntry> upserts, IReadOnlyCollection<string> deletes,
        CancellationToken cancellationToken) =>
        inner.WriteEntriesAsync(key, scope, upserts, deletes, cancellationToken);

    public virtual Task<int> DeleteEntriesBeforeAsync(StateKey key, StateScope scope, DateTimeOffset before, CancellationToken cancellationToken) =>
        inner.DeleteEntriesBeforeAsync(key, scope, before, cancellationToken);
}
