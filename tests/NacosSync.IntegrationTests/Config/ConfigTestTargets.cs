using NacosSync.Core.Config;
using NacosSync.Core.State;
using NacosSync.Engine.Config;
using NacosSync.Storage.Config;

namespace NacosSync.IntegrationTests.Config;

/// <summary>A target that counts writes per key and fails on demand: before a write (the target went away) or just after it (the process was killed).</summary>
internal sealed class FaultyTarget(IConfigTarget inner) : IConfigTarget
{
    private readonly Dictionary<ConfigKey, int> _upserts = [];

    /// <summary>Throws instead of writing this key, once.</summary>
    public ConfigKey? FailBefore { get; set; }

    /// <summary>Writes this key, then throws: the row is committed, nothing after it runs (a crash between the two writes).</summary>
    public ConfigKey? CrashAfter { get; set; }

    public int Upserts(ConfigKey key) => _upserts.GetValueOrDefault(key);

    public bool NeedsCacheRefresh => inner.NeedsCacheRefresh;

    public IAsyncEnumerable<ConfigDigest> ReadDigestsAsync(IReadOnlyCollection<string> tenants, Func<ConfigKey, bool> keep, CancellationToken cancellationToken) =>
        inner.ReadDigestsAsync(tenants, keep, cancellationToken);

    public Task<ConfigDigest?> ReadDigestAsync(ConfigKey key, CancellationToken cancellationToken) => inner.ReadDigestAsync(key, cancellationToken);

    public Task<Dictionary<ConfigKey, ConfigDigest>> ReadDigestsAsync(IReadOnlyCollection<ConfigKey> keys, CancellationToken cancellationToken) =>
        inner.ReadDigestsAsync(keys, cancellationToken);

    public async Task<ConfigUpsertResult> UpsertAsync(ConfigRow row, ConfigDigest? current, bool publish, CancellationToken cancellationToken)
    {
        _upserts[row.Key] = Upserts(row.Key) + 1;
        if (FailBefore == row.Key)
        {
            FailBefore = null;
            throw new InvalidOperationException($"the target database went away while writing {row.Key}");
        }

        var result = await inner.UpsertAsync(row, current, publish, cancellationToken);
        if (CrashAfter == row.Key)
        {
            throw new OperationCanceledException($"killed right after committing {row.Key}");
        }

        return result;
    }

    public Task<ConfigDeleteResult> DeleteAsync(ConfigKey key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);
}

/// <summary>A run-state store whose checkpoint saves fail, as a save into a column too small for it did.</summary>
internal sealed class FailingSaveStore(IRunStateStore inner) : IRunStateStore
{
    public Task<Checkpoint?> LoadCheckpointAsync(StateKey key, CancellationToken cancellationToken) => inner.LoadCheckpointAsync(key, cancellationToken);

    public Task<Checkpoint> SaveCheckpointAsync(StateKey key, string? position, bool fullSyncCompleted, long expectedVersion, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("Data too long for column 'position' at row 1");

    public Task<IReadOnlyList<StateEntry>> LoadEntriesAsync(StateKey key, StateScope scope, CancellationToken cancellationToken) => inner.LoadEntriesAsync(key, scope, cancellationToken);

    public Task<bool> ContainsEntryAsync(StateKey key, StateScope scope, string entryKey, CancellationToken cancellationToken) =>
        inner.ContainsEntryAsync(key, scope, entryKey, cancellationToken);

    public Task WriteEntriesAsync(StateKey key, StateScope scope, IReadOnlyCollection<StateEntry> upserts, IReadOnlyCollection<string> deletes, CancellationToken cancellationToken) =>
        inner.WriteEntriesAsync(key, scope, upserts, deletes, cancellationToken);

    public Task<int> DeleteEntriesBeforeAsync(StateKey key, StateScope scope, DateTimeOffset before, CancellationToken cancellationToken) =>
        inner.DeleteEntriesBeforeAsync(key, scope, before, cancellationToken);
}
