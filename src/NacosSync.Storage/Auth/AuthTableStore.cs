using System.Data.Common;
using Dapper;
using NacosSync.Core.Auth;
using NacosSync.Storage.Database;

namespace NacosSync.Storage.Auth;

/// <summary>
/// The auth tables of one Nacos database (<c>users</c>, <c>roles</c>, <c>permissions</c>, nacos-reference §4): read whole
/// (they are small), written in one transaction, so a plan is applied entirely or not at all. Nacos nodes read these
/// tables into memory every 15 s, so a change is in force on every node within that time.
/// </summary>
public sealed class AuthTableStore(SqlDatabase database)
{
    private static readonly string[] Tables = ["users", "roles", "permissions"];

    public SqlDatabase Database => database;

    /// <exception cref="InvalidOperationException">The database has no auth tables (the message names them).</exception>
    public async Task<AuthSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var present = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT LOWER(table_name) FROM information_schema.tables WHERE table_schema = DATABASE() AND LOWER(table_name) IN ('users', 'roles', 'permissions')",
            cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
        if (present.Count < 3)
        {
            var missing = Tables.Where(t => !present.Contains(t));
            throw new InvalidOperationException($"{database}: no Nacos auth table {string.Join(", ", missing)}: is this a Nacos database?");
        }

        var users = await connection.QueryAsync<(string Username, string Password, bool Enabled)>(new CommandDefinition(
            "SELECT username, password, enabled FROM users ORDER BY username", cancellationToken: cancellationToken));
        var roles = await connection.QueryAsync<(string Role, string Username)>(new CommandDefinition(
            "SELECT role, username FROM roles ORDER BY role, username", cancellationToken: cancellationToken));
        var permissions = await connection.QueryAsync<(string Role, string Resource, string Action)>(new CommandDefinition(
            "SELECT role, resource, action FROM permissions ORDER BY role, resource, action", cancellationToken: cancellationToken));
        return new AuthSnapshot(
            [.. users.Select(u => new AuthUser(u.Username, u.Password, u.Enabled))],
            [.. roles.Select(r => new AuthRoleBinding(r.Role, r.Username))],
            [.. permissions.Select(p => new AuthGrant(p.Role, p.Resource, p.Action))]);
    }

    /// <summary>
    /// A cheap fingerprint of the three tables (row counts and an XOR of row checksums), read by incremental runs: when
    /// neither side's fingerprint moved since the last run, nothing is read. Not a security digest: a change it could
    /// miss (two rows whose checksums cancel out) is found by the next full run.
    /// </summary>
    public async Task<string> FingerprintAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<string>(new CommandDefinition(
            """
            SELECT CONCAT_WS('/',
              (SELECT CONCAT(COUNT(*), '-', IFNULL(BIT_XOR(CRC32(CONCAT_WS(0x01, username, password, enabled))), 0)) FROM users),
              (SELECT CONCAT(COUNT(*), '-', IFNULL(BIT_XOR(CRC32(CONCAT_WS(0x01, role, username))), 0)) FROM roles),
              (SELECT CONCAT(COUNT(*), '-', IFNULL(BIT_XOR(CRC32(CONCAT_WS(0x01, role, resource, action))), 0)) FROM permissions))
            """, cancellationToken: cancellationToken)) ?? "";
    }

    /// <summary>Applies the plan's writes (all of them or none); removals only as the caller allows.</summary>
    public async Task ApplyAsync(AuthPlan plan, bool applyRemovals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        async Task RunAsync<T>(string sql, IEnumerable<T> rows)
        {
            foreach (var row in rows)
            {
                await connection.ExecuteAsync(new CommandDefinition(sql, row, transaction, cancellationToken: cancellationToken));
            }
        }

        await RunAsync("INSERT INTO users (username, password, enabled) VALUES (@Username, @PasswordHash, @Enabled)", plan.CreateUsers);
        await RunAsync("UPDATE users SET password = @PasswordHash, enabled = @Enabled WHERE username = @Username", plan.UpdateUsers);
        await RunAsync("INSERT IGNORE INTO roles (role, username) VALUES (@Role, @Username)", plan.AddRoles);
        await RunAsync("INSERT IGNORE INTO permissions (role, resource, action) VALUES (@Role, @Resource, @Action)", plan.AddPermissions);
        if (applyRemovals)
        {
            await RunAsync("DELETE FROM permissions WHERE role = @Role AND resource = @Resource AND action = @Action", plan.RemovePermissions);
            await RunAsync("DELETE FROM roles WHERE role = @Role AND username = @Username", plan.RemoveRoles);
            await RunAsync("DELETE FROM users WHERE username = @Username", plan.RemoveUsers);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Whether an exception is this store's database failing (the run reports it; nothing was half-written).</summary>
    public static bool IsDatabaseFailure(Exception exception) => exception is DbException;
}
