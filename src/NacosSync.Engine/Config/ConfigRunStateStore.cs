using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NacosSync.Core.Config;
using NacosSync.Core.State;
using NacosSync.Core.Sync;

namespace NacosSync.Engine.Config;

/// <summary>What a config run starts from: the checkpoint as loaded (its version is named on save) and the pending keys.</summary>
internal sealed record ConfigRunState(Checkpoint? Checkpoint, ConfigPosition? Position, IReadOnlyList<PendingConfig> Pending)
{
    public bool FirstFullSyncDone => Checkpoint?.FullSyncAt is not null;
}

/// <summary>
/// The config run state behind <see cref="IRunStateStore"/>: the checkpoint (saved with compare-and-set), pending keys
/// as one row each (<see cref="StateScope.Pending"/>: no size cap, none dropped), and the removals of recent runs
/// (<see cref="StateScope.Removal"/>, for the per-window deletion cap).
/// </summary>
internal sealed class ConfigRunStateStore(IRunStateStore store, TimeProvider timeProvider)
{
    private static readonly JsonSerializerOptions Json = new();

    public async Task<ConfigRunState> LoadAsync(string taskName, CancellationToken cancellationToken)
    {
        var key = Key(taskName);
        var checkpoint = await store.LoadCheckpointAsync(key, cancellationToken);
        var (position, legacy) = ConfigPosition.Parse(checkpoint?.Position);
        var rows = await store.LoadEntriesAsync(key, StateScope.Pending, cancellationToken);
        var pending = rows.Select(r => JsonSerializer.Deserialize<PendingConfig>(r.Value, Json)).OfType<PendingConfig>().ToDictionary(p => p.Key);
        foreach (var p in legacy)
        {
            pending.TryAdd(p.Key, p);
        }

        return new ConfigRunState(checkpoint, position, [.. pending.Values]);
    }

    /// <summary>
    /// Writes the next pending set (rows added and removed as one transaction), then the checkpoint, naming the version
    /// loaded at the start of the run. A <see cref="CheckpointConflictException"/> means another writer saved in between.
    /// </summary>
    public async Task SaveAsync(string taskName, ConfigRunState loaded, ConfigPosition position, bool fullSyncCompleted,
        IReadOnlyList<PendingConfig> pending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(pending);
        var key = Key(taskName);
        var now = timeProvider.GetUtcNow();
        var next = pending.Select(p => new StateEntry(RowKey(p.Key), JsonSerializer.Serialize(p, Json), p.ChangedAt ?? now)).ToList();
        var keep = next.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        var gone = loaded.Pending.Select(p => RowKey(p.Key)).Where(k => !keep.Contains(k)).Distinct(StringComparer.Ordinal).ToList();
        await store.WriteEntriesAsync(key, StateScope.Pending, next, gone, cancellationToken);
        await store.SaveCheckpointAsync(key, position.Serialize(), fullSyncCompleted, Checkpoint.VersionOf(loaded.Checkpoint), cancellationToken);
    }

    /// <summary>Removals applied within <paramref name="window"/> before now; older records are pruned.</summary>
    public async Task<long> RemovedWithinAsync(string taskName, TimeSpan window, CancellationToken cancellationToken)
    {
        if (window <= TimeSpan.Zero)
        {
            return 0;
        }

        var key = Key(taskName);
        var since = timeProvider.GetUtcNow() - window;
        await store.DeleteEntriesBeforeAsync(key, StateScope.Removal, since, cancellationToken);
        var rows = await store.LoadEntriesAsync(key, StateScope.Removal, cancellationToken);
        return rows.Where(r => r.At >= since).Sum(r => long.Parse(r.Value, CultureInfo.InvariantCulture));
    }

    public async Task RecordRemovalsAsync(string taskName, long removed, CancellationToken cancellationToken)
    {
        if (removed <= 0)
        {
            return;
        }

        var now = timeProvider.GetUtcNow();
        var row = new StateEntry(now.UtcTicks.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N"), removed.ToString(CultureInfo.InvariantCulture), now);
        await store.WriteEntriesAsync(Key(taskName), StateScope.Removal, [row], [], cancellationToken);
    }

    private static StateKey Key(string taskName) => new(taskName, SyncKind.Config);

    /// <summary>A fixed-length row key: the three parts of a config key together can exceed the store's 512 characters.</summary>
    internal static string RowKey(ConfigKey key)
    {
#pragma warning disable CA5351 // A row key, not a security measure.
        var hash = MD5.HashData(Encoding.UTF8.GetBytes($"{key.Tenant}\u0001{key.Group}\u0001{key.DataId}"));
#pragma warning restore CA5351
        return Convert.ToHexStringLower(hash);
    }
}
