using NacosSync.Core.Sync;

namespace NacosSync.Core.State;

/// <summary>Whose state: one task and one kind of sync.</summary>
public readonly record struct StateKey(string Task, SyncKind Kind)
{
    public override string ToString() => $"{Task}/{Kind.Name()}";
}

/// <summary>
/// Where a run resumes from. <see cref="Version"/> grows by one on every save; a save names the
/// version it read, so two writers (a replica that lost its lease and the one that took over) cannot
/// both move a checkpoint without one of them noticing.
/// </summary>
/// <param name="Position">Opaque to the store: the sync code's own serialized position.</param>
/// <param name="FullSyncAt">When the last complete full sync finished; null before the first.</param>
/// <param name="UpdatedAt">When the checkpoint was last written.</param>
/// <param name="Version">1 after the first save; a checkpoint never saved has no row and version 0.</param>
public sealed record Checkpoint(string? Position, DateTimeOffset? FullSyncAt, DateTimeOffset UpdatedAt, long Version)
{
    /// <summary>The version to name when saving after having read <paramref name="checkpoint"/> (0 when there was none).</summary>
    public static long VersionOf(Checkpoint? checkpoint) => checkpoint?.Version ?? 0;
}

/// <summary>The sets of keyed rows a task keeps besides its checkpoint; each is read and written whole or by key.</summary>
public enum StateScope
{
    /// <summary>Config keys written but not yet proven on every target node (config), or changes found but not yet applied.</summary>
    Pending = 1,

    /// <summary>What was last applied per object (naming: a fingerprint per service), so an unchanged answer needs no target read.</summary>
    AppliedBaseline = 2,

    /// <summary>The ephemeral replicas the task keeps alive in the target (naming), so any replica can beat them at start.</summary>
    Replica = 3,

    /// <summary>Objects the target has and the source lacks, with when they were first seen missing (removal grace).</summary>
    RemovalCandidate = 4,

    /// <summary>Removals applied, one row per run that removed something (the per-window deletion cap).</summary>
    Removal = 5,

    /// <summary>Objects the task created in the target and may therefore change or remove (auth: users, role bindings, permissions).</summary>
    Owned = 6,
}

/// <summary>One keyed row of a <see cref="StateScope"/>.</summary>
/// <param name="Key">Unique within its task, kind and scope; at most 600 characters.</param>
/// <param name="Value">Opaque to the store (the sync code's own serialization); may be large.</param>
/// <param name="At">A time the sync code gives the row (first seen, applied at, written at).</param>
public sealed record StateEntry(string Key, string Value, DateTimeOffset At);

/// <summary>A save named a checkpoint version that is no longer current: someone else saved in between.</summary>
public sealed class CheckpointConflictException(StateKey key, long expected, long actual)
    : Exception($"checkpoint {key}: expected version {expected} but the store holds {actual}; another writer saved in between")
{
    public StateKey Key { get; } = key;

    public long ExpectedVersion { get; } = expected;

    public long ActualVersion { get; } = actual;
}

/// <summary>
/// Everything a run must hand to the next run, or to another replica: checkpoints (compare-and-set)
/// and keyed rows per <see cref="StateScope"/>. Like Quartz's job stores, the in-memory and the
/// MySQL implementations behave alike; the same contract tests run against both.
/// </summary>
public interface IRunStateStore
{
    Task<Checkpoint?> LoadCheckpointAsync(StateKey key, CancellationToken cancellationToken);

    /// <summary>
    /// Saves a checkpoint if the stored version is still <paramref name="expectedVersion"/> (0: none stored yet).
    /// A null <paramref name="position"/> keeps nothing (it is stored as null); <paramref name="fullSyncCompleted"/>
    /// sets <see cref="Checkpoint.FullSyncAt"/> to now, otherwise the stored value stays.
    /// </summary>
    /// <returns>The checkpoint as stored, with its new version.</returns>
    /// <exception cref="CheckpointConflictException">The stored version differs.</exception>
    Task<Checkpoint> SaveCheckpointAsync(StateKey key, string? position, bool fullSyncCompleted, long expectedVersion, CancellationToken cancellationToken);

    Task<IReadOnlyList<StateEntry>> LoadEntriesAsync(StateKey key, StateScope scope, CancellationToken cancellationToken);

    /// <summary>Whether the scope holds a row with key <paramref name="entryKey"/>: one row looked up, whatever the scope's size.</summary>
    Task<bool> ContainsEntryAsync(StateKey key, StateScope scope, string entryKey, CancellationToken cancellationToken);

    /// <summary>Inserts or replaces <paramref name="upserts"/> and deletes <paramref name="deletes"/> (keys), as one transaction.</summary>
    Task WriteEntriesAsync(StateKey key, StateScope scope, IReadOnlyCollection<StateEntry> upserts, IReadOnlyCollection<string> deletes, CancellationToken cancellationToken);

    /// <summary>Deletes the rows of a scope whose <see cref="StateEntry.At"/> is before <paramref name="before"/>; returns how many.</summary>
    Task<int> DeleteEntriesBeforeAsync(StateKey key, StateScope scope, DateTimeOffset before, CancellationToken cancellationToken);
}
