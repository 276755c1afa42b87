using Dapper;
using NacosSync.Core.State;
using NacosSync.Storage.Database;

namespace NacosSync.Storage.State;

/// <summary>
/// <see cref="ITaskLeaseStore"/> on the state database (<c>nacossync_task_lease</c>, <c>nacossync_replica</c>,
/// migration 006). Each change is one conditional UPDATE on the task's row, so two replicas racing for a
/// task cannot both win; times come from the replica's <see cref="TimeProvider"/> (clocks must agree to well
/// within a lease, as NTP keeps them).
/// </summary>
public sealed class MySqlTaskLeaseStore(SqlDatabase database, TimeProvider timeProvider) : ITaskLeaseStore
{
    public async Task<TaskLease> TryAcquireAsync(string task, string owner, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(task);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var args = new { task, owner, now, expires = now + duration };
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT IGNORE INTO nacossync_task_lease (task_name, owner, token, expires_at, acquired_at, renewed_at)
            VALUES (@task, @owner, 0, @now, @now, @now)
            """, args, cancellationToken: cancellationToken));

        // Free or lapsed: taken with the next token. Ours and live: renewed with the same one. Else untouched.
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE nacossync_task_lease
            SET token = CASE WHEN owner IS NULL OR expires_at <= @now THEN token + 1 ELSE token END,
                acquired_at = CASE WHEN owner IS NULL OR expires_at <= @now THEN @now ELSE acquired_at END,
                owner = @owner, expires_at = @expires, renewed_at = @now
            WHERE task_name = @task AND (owner IS NULL OR expires_at <= @now OR owner = @owner)
            """, args, cancellationToken: cancellationToken));
        return await GetAsync(task, cancellationToken) ?? throw new InvalidOperationException($"task {task}: the lease row vanished while being taken");
    }

    public async Task<bool> RenewAsync(TaskLease lease, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var now = timeProvider.GetUtcNow().UtcDateTime;
        await using var connection = await database.OpenAsync(cancellationToken);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE nacossync_task_lease SET expires_at = @expires, renewed_at = @now
            WHERE task_name = @task AND owner = @owner AND token = @token AND expires_at > @now
            """, new { task = lease.Task, owner = lease.Owner, token = lease.Token, now, expires = now + duration }, cancellationToken: cancellationToken));
        return changed == 1;
    }

    public async Task ReleaseAsync(TaskLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var now = timeProvider.GetUtcNow().UtcDateTime;
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE nacossync_task_lease SET owner = NULL, expires_at = @now, renewed_at = @now WHERE task_name = @task AND owner = @owner AND token = @token",
            new { task = lease.Task, owner = lease.Owner, token = lease.Token, now }, cancellationToken: cancellationToken));
    }

    public async Task<TaskLease?> GetAsync(string task, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<LeaseRow?>(new CommandDefinition(
            "SELECT task_name AS Task, owner AS Owner, token AS Token, expires_at AS ExpiresAt FROM nacossync_task_lease WHERE task_name = @task",
            new { task }, cancellationToken: cancellationToken));
        return row is { } r && r.Token > 0 ? r.ToLease() : null;
    }

    public async Task<IReadOnlyList<TaskLease>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<LeaseRow>(new CommandDefinition(
            "SELECT task_name AS Task, owner AS Owner, token AS Token, expires_at AS ExpiresAt FROM nacossync_task_lease WHERE token > 0 ORDER BY task_name",
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToLease())];
    }

    public async Task EnsureCurrentAsync(TaskLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var now = timeProvider.GetUtcNow();
        var current = await GetAsync(lease.Task, cancellationToken);
        if (current is null || current.Owner != lease.Owner || current.Token != lease.Token || current.ExpiresAt <= now)
        {
            throw new StaleTaskLeaseException(lease.Task, lease.Owner ?? "-", lease.Token, current);
        }
    }

    public async Task<int> AnnounceAsync(string member, TimeSpan duration, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO nacossync_replica (member, expires_at) VALUES (@member, @expires)
            ON DUPLICATE KEY UPDATE expires_at = VALUES(expires_at)
            """, new { member, expires = now + duration }, cancellationToken: cancellationToken));

        // Members gone for an hour are forgotten; the count is of live ones only.
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM nacossync_replica WHERE expires_at < @old", new { old = now - TimeSpan.FromHours(1) }, cancellationToken: cancellationToken));
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM nacossync_replica WHERE expires_at > @now", new { now }, cancellationToken: cancellationToken));
    }

    private sealed record LeaseRow(string Task, string? Owner, long Token, DateTime ExpiresAt)
    {
        public TaskLease ToLease() => new(Task, Owner, Token, new DateTimeOffset(DateTime.SpecifyKind(ExpiresAt, DateTimeKind.Utc)));
    }
}
