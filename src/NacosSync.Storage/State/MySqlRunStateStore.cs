using System.Data.Common;
using System.Text;
using Dapper;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.Storage.Database;

namespace NacosSync.Storage.State;

/// <summary>
/// <see cref="IRunStateStore"/> on the state database (<c>nacossync_run_checkpoint</c>, <c>nacossync_run_entry</c>,
/// migration 003). Any replica reading the same database sees the same state; a save names the version it
/// read, so a writer that lost the race gets <see cref="CheckpointConflictException"/> instead of overwriting.
/// </summary>
public sealed class MySqlRunStateStore(SqlDatabase database, TimeProvider timeProvider) : IRunStateStore
{
    /// <summary>Rows per multi-row statement: large writes (100,000 replicas) stay a few hundred round trips.</summary>
    private const int Chunk = 500;

    private static readonly string FullUpsertSql = UpsertSql(Chunk);

    public async Task<Checkpoint?> LoadCheckpointAsync(StateKey key, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await LoadAsync(connection, null, key, cancellationToken);
    }

    public async Task<Checkpoint> SaveCheckpointAsync(StateKey key, string? position, bool fullSyncCompleted, long expectedVersion, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var args = new { task = key.Task, kind = key.Kind.Name(), position, full = fullSyncCompleted, now, expected = expectedVersion };
        await using var connection = await database.OpenAsync(cancellationToken);
        int changed;
        if (expectedVersion == 0)
        {
            // INSERT IGNORE: a row someone else created in between is a conflict, not an error.
            changed = await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT IGNORE INTO nacossync_run_checkpoint (task_name, kind, position, full_sync_at, updated_at, version)
                VALUES (@task, @kind, @position, CASE WHEN @full THEN @now ELSE NULL END, @now, 1)
                """, args, cancellationToken: cancellationToken));
        }
        else
        {
            changed = await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE nacossync_run_checkpoint
                SET position = @position, full_sync_at = CASE WHEN @full THEN @now ELSE full_sync_at END,
                    updated_at = @now, version = version + 1
                WHERE task_name = @task AND kind = @kind AND version = @expected
                """, args, cancellationToken: cancellationToken));
        }

        var stored = await LoadAsync(connection, null, key, cancellationToken);
        if (changed != 1 || stored is null || stored.Version != expectedVersion + 1)
        {
            throw new CheckpointConflictException(key, expectedVersion, Checkpoint.VersionOf(stored));
        }

        return stored;
    }

    public async Task<IReadOnlyList<StateEntry>> LoadEntriesAsync(StateKey key, StateScope scope, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Key, string Value, DateTime At)>(new CommandDefinition(
            """
            SELECT entry_key, value, at FROM nacossync_run_entry
            WHERE task_name = @task AND kind = @kind AND scope = @scope ORDER BY entry_key
            """, Args(key, scope), cancellationToken: cancellationToken));
        return [.. rows.Select(r => new StateEntry(r.Key, r.Value, AsUtc(r.At)))];
    }

    public async Task<bool> ContainsEntryAsync(StateKey key, StateScope scope, string entryKey, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var parameters = new DynamicParameters(Args(key, scope));
        parameters.Add("entryKey", entryKey);
        return await connection.ExecuteScalarAsync<int?>(new CommandDefinition(
            "SELECT 1 FROM nacossync_run_entry WHERE task_name = @task AND kind = @kind AND scope = @scope AND entry_key = @entryKey",
            parameters, cancellationToken: cancellationToken)) is not null;
    }

    public async Task WriteEntriesAsync(StateKey key, StateScope scope, IReadOnlyCollection<StateEntry> upserts, IReadOnlyCollection<string> deletes,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upserts);
        ArgumentNullException.ThrowIfNull(deletes);
        if (upserts.Count == 0 && deletes.Count == 0)
        {
            return;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var chunk in deletes.Chunk(Chunk))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM nacossync_run_entry WHERE task_name = @task AND kind = @kind AND scope = @scope AND entry_key IN @keys",
                new { task = key.Task, kind = key.Kind.Name(), scope = ScopeName(scope), keys = chunk }, transaction, cancellationToken: cancellationToken));
        }

        // Plain commands, not Dapper: its per-row parameter objects were a tenth of what an initial copy of 100,000 replicas
        // allocated. A full chunk's statement is prepared once per session and its parameters reused chunk after chunk.
        DbCommand? full = null;
        try
        {
            foreach (var chunk in upserts.Chunk(Chunk))
            {
                var command = chunk.Length == Chunk ? full ??= await UpsertCommandAsync(connection, transaction, key, scope, Chunk, prepare: true, cancellationToken)
                    : await UpsertCommandAsync(connection, transaction, key, scope, chunk.Length, prepare: false, cancellationToken);
                try
                {
                    for (var i = 0; i < chunk.Length; i++)
                    {
                        command.Parameters[(6 * i) + 3].Value = chunk[i].Key;
                        command.Parameters[(6 * i) + 4].Value = chunk[i].Value;
                        command.Parameters[(6 * i) + 5].Value = chunk[i].At.UtcDateTime;
                    }

                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
                finally
                {
                    if (command != full)
                    {
                        await command.DisposeAsync();
                    }
                }
            }
        }
        finally
        {
            if (full is not null)
            {
                await full.DisposeAsync();
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<int> DeleteEntriesBeforeAsync(StateKey key, StateScope scope, DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM nacossync_run_entry WHERE task_name = @task AND kind = @kind AND scope = @scope AND at < @before",
            new { task = key.Task, kind = key.Kind.Name(), scope = ScopeName(scope), before = before.UtcDateTime }, cancellationToken: cancellationToken));
    }

    private static async Task<Checkpoint?> LoadAsync(DbConnection connection, DbTransaction? transaction, StateKey key, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<(string? Position, DateTime? FullSyncAt, DateTime UpdatedAt, long Version)?>(new CommandDefinition(
            "SELECT position, full_sync_at, updated_at, version FROM nacossync_run_checkpoint WHERE task_name = @task AND kind = @kind",
            new { task = key.Task, kind = key.Kind.Name() }, transaction, cancellationToken: cancellationToken));
        return row is { } r ? new Checkpoint(r.Position, r.FullSyncAt is { } f ? AsUtc(f) : null, AsUtc(r.UpdatedAt), r.Version) : null;
    }

    /// <summary>
    /// <c>INSERT ... ON DUPLICATE KEY UPDATE</c> of <paramref name="rows"/> entries, with positional parameters: per row the
    /// task, kind and scope (set here, the same for every row) and then the key, value and time the caller sets.
    /// </summary>
    private static async Task<DbCommand> UpsertCommandAsync(DbConnection connection, DbTransaction transaction, StateKey key, StateScope scope, int rows, bool prepare,
        CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = rows == Chunk ? FullUpsertSql : UpsertSql(rows);
        var (task, kind, scopeName) = (key.Task, key.Kind.Name(), ScopeName(scope));
        for (var i = 0; i < rows; i++)
        {
            foreach (var value in (ReadOnlySpan<object?>)[task, kind, scopeName, null, null, null])
            {
                var parameter = MySqlDriver.TypedParameter(command, time: command.Parameters.Count % 6 == 5);
                parameter.Value = value;
                command.Parameters.Add(parameter);
            }
        }

        if (prepare)
        {
            await command.PrepareAsync(cancellationToken);
        }

        return command;
    }

    private static string UpsertSql(int rows)
    {
        var sql = new StringBuilder("INSERT INTO nacossync_run_entry (task_name, kind, scope, entry_key, value, at) VALUES ", 100 + (rows * 20));
        for (var i = 0; i < rows; i++)
        {
            sql.Append(i == 0 ? "(?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?)");
        }

        return sql.Append(" ON DUPLICATE KEY UPDATE value = VALUES(value), at = VALUES(at)").ToString();
    }

    private static object Args(StateKey key, StateScope scope) => new { task = key.Task, kind = key.Kind.Name(), scope = ScopeName(scope) };

    /// <summary>The stored name of a scope: stable text, so renumbering the enum can never remap rows.</summary>
    internal static string ScopeName(StateScope scope) => scope switch
    {
        StateScope.Pending => "pending",
        StateScope.AppliedBaseline => "applied_baseline",
        StateScope.Replica => "replica",
        StateScope.RemovalCandidate => "removal_candidate",
        StateScope.Removal => "removal",
        StateScope.Owned => "owned",
        _ => throw new ArgumentOutOfRangeException(nameof(scope), scope, null),
    };

    private static DateTimeOffset AsUtc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
