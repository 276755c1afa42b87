using System.Globalization;
using NacosSync.Core.State;
using NacosSync.Core.Sync;

namespace NacosSync.Engine.Naming;

/// <summary>
/// The naming checkpoint as a run reads it: whether a complete full sync has finished (deletions wait
/// until then), how many replicas the task owned after it (the base of the deletion ratios between
/// full runs), and the version to name when saving.
/// </summary>
internal sealed record NamingCheckpoint(bool FirstFullSyncDone, long Owned, long Version)
{
    /// <summary>What a run assumes when the checkpoint cannot be read: not yet, so deletions wait.</summary>
    public static NamingCheckpoint Unknown { get; } = new(false, 0, -1);

    public bool Loaded => Version >= 0;
}

/// <summary>Loads and saves the naming checkpoint in the <see cref="IRunStateStore"/>, compare-and-set.</summary>
internal sealed class NamingCheckpoints(IRunStateStore store)
{
    private const string OwnedPrefix = "owned=";

    public async Task<NamingCheckpoint> LoadAsync(NamingTask task, NamingRunTally tally, CancellationToken cancellationToken)
    {
        try
        {
            var checkpoint = await store.LoadCheckpointAsync(task.StateKey, cancellationToken);
            return new NamingCheckpoint(checkpoint?.FullSyncAt is not null, ParseOwned(checkpoint?.Position), Checkpoint.VersionOf(checkpoint));
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            // Unknown means "not yet": deletions wait, everything else goes on.
            tally.Error(SyncStage.ReadTarget, $"loading the checkpoint failed: {ex.Message}");
            return NamingCheckpoint.Unknown;
        }
    }

    /// <summary>Saves after a full run, naming the version read at its start; a conflict (another writer saved since) is an error of the run.</summary>
    public async Task SaveAsync(NamingTask task, NamingCheckpoint read, long owned, bool fullSyncCompleted, NamingRunTally tally, CancellationToken cancellationToken)
    {
        if (!read.Loaded)
        {
            return; // never overwrite what we could not read
        }

        try
        {
            await store.SaveCheckpointAsync(task.StateKey, OwnedPrefix + owned.ToString(CultureInfo.InvariantCulture), fullSyncCompleted, read.Version, cancellationToken);
        }
        catch (CheckpointConflictException ex)
        {
            tally.Error(SyncStage.Write, $"saving the checkpoint: {ex.Message}; the next run starts from what the other writer saved");
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            tally.Error(SyncStage.Write, $"saving the checkpoint failed: {ex.Message}");
        }
    }

    internal static bool IsStoreFailure(Exception ex) =>
        ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException or IOException;

    private static long ParseOwned(string? position) =>
        position is not null && position.StartsWith(OwnedPrefix, StringComparison.Ordinal)
            && long.TryParse(position.AsSpan(OwnedPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var owned) ? owned : 0;
}
