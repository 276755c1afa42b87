using Dapper;
using NacosSync.Storage.Database;

namespace NacosSync.Storage.State;

/// <summary>A saved position of one task and kind (the store before <see cref="MySqlRunStateStore"/>; goes once every runner uses <see cref="Core.State.IRunStateStore"/>).</summary>
/// <param name="Position">Opaque to the store: the sync code's own serialized position.</param>
/// <param name="FullSyncAt">When the last complete full sync finished; null before the first.</param>
/// <param name="UpdatedAt">When the checkpoint was last written.</param>
public sealed record LegacyCheckpoint(string? Position, DateTimeOffset? FullSyncAt, DateTimeOffset UpdatedAt);

/// <summary>Reads and writes checkpoints in <c>nacossync_checkpoint</c>.</summary>
public sealed class CheckpointStore(SqlDatabase database, TimeProvider timeProvider)
{
    public async Task<LegacyCheckpoint?> LoadAsync(string taskName, string kind, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(string? Position, DateTime? FullSyncAt, DateTime UpdatedAt)?>(new CommandDefinition(
            "SELECT position, full_sync_at, updated_at FROM nacossync_checkpoint WHERE task_name = @taskName AND kind = @kind",
            new { taskName, kind }, cancellationToken: cancellationToken));
        if (row is not { } r)
        {
            return null;
        }

        return new LegacyCheckpoint(r.Position, r.FullSyncAt is { } f ? AsUtc(f) : null, AsUtc(r.UpdatedAt));
    }

    public async Task SaveAsync(string taskName, string kind, string? position, bool fullSyncCompleted, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO nacossync_checkpoint (task_name, kind, position, full_sync_at, updated_at)
            VALUES (@taskName, @kind, @position, @fullSyncAt, @now)
            ON DUPLICATE KEY UPDATE position = VALUES(position),
              full_sync_at = COALESCE(VALUES(full_sync_at), full_sync_at), updated_at = VALUES(updated_at)
            """,
            new { taskName, kind, position, fullSyncAt = fullSyncCompleted ? now : (DateTime?)null, now },
            cancellationToken: cancellationToken));
    }

    private static DateTimeOffset AsUtc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
