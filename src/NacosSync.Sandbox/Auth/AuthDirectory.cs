using Dapper;
using NacosSync.Storage.Database;

namespace NacosSync.Sandbox.Auth;

/// <summary>A <c>users</c> row.</summary>
internal sealed record SandboxUser(string Username, string Password, bool Enabled);

/// <summary>A <c>permissions</c> row: resource <c>namespace:group:name</c> (with <c>*</c> wildcards), action r, w or rw.</summary>
internal sealed record SandboxPermission(string Role, string Resource, string Action);

/// <summary>A <c>roles</c> row.</summary>
internal sealed record SandboxRole(string Role, string Username);

/// <summary>
/// The users, roles and permissions of a sandbox whose config store is a Nacos database, cached as Nacos's default auth
/// plugin caches them (2.4.3 plugin-default-impl users/NacosUserDetailsServiceImpl and roles/NacosRoleServiceImpl,
/// 3.x roles/AbstractCachedRoleService): every table read whole on a reload (<c>@Scheduled(fixedDelay = 15000)</c>);
/// a login sees only the cached users (<c>loadUserByUsername</c> with caching on); the roles of a user and the permissions
/// of a role missing from the cache are read from the database and cached when found (<c>getRoles</c>, <c>getPermissions</c>).
/// </summary>
internal sealed class AuthDirectory(SqlDatabase database)
{
    private volatile Dictionary<string, SandboxUser> _users = new(StringComparer.Ordinal);
    private volatile Dictionary<string, IReadOnlyList<string>> _roles = new(StringComparer.Ordinal);
    private volatile Dictionary<string, IReadOnlyList<SandboxPermission>> _permissions = new(StringComparer.Ordinal);

    /// <summary>Re-reads the three tables into the cache (NacosUserDetailsServiceImpl.reload, NacosRoleServiceImpl.reload).</summary>
    public async Task ReloadAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var users = await connection.QueryAsync<SandboxUser>(new CommandDefinition("SELECT username, password, enabled FROM users", cancellationToken: ct));
        var roles = (await connection.QueryAsync<SandboxRole>(new CommandDefinition("SELECT role, username FROM roles", cancellationToken: ct))).ToList();
        var permissions = await connection.QueryAsync<SandboxPermission>(new CommandDefinition("SELECT role, resource, action FROM permissions", cancellationToken: ct));
        var roleNames = roles.Select(r => r.Role).ToHashSet(StringComparer.Ordinal);
        _users = users.ToDictionary(u => u.Username, StringComparer.Ordinal);
        _roles = roles.GroupBy(r => r.Username, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(r => r.Role)], StringComparer.Ordinal);

        // Only the permissions of roles someone holds are cached (the reload walks the role set).
        _permissions = permissions.Where(p => roleNames.Contains(p.Role)).GroupBy(p => p.Role, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<SandboxPermission>)[.. g], StringComparer.Ordinal);
    }

    /// <summary>The cached user (a login sees a user created in the database only after the next reload).</summary>
    public SandboxUser? CachedUser(string username) => _users.GetValueOrDefault(username);

    /// <summary>The user's roles: the cache, else the database (cached when it has any).</summary>
    public async Task<IReadOnlyList<string>> RolesAsync(string username, CancellationToken ct)
    {
        if (_roles.TryGetValue(username, out var cached))
        {
            return cached;
        }

        await using var connection = await database.OpenAsync(ct);
        IReadOnlyList<string> roles = [.. await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT role FROM roles WHERE username = @username", new { username }, cancellationToken: ct))];
        if (roles.Count > 0)
        {
            _roles = new Dictionary<string, IReadOnlyList<string>>(_roles, StringComparer.Ordinal) { [username] = roles };
        }

        return roles;
    }

    /// <summary>The role's permissions: the cache, else the database (cached when it has any).</summary>
    public async Task<IReadOnlyList<SandboxPermission>> PermissionsAsync(string role, CancellationToken ct)
    {
        if (_permissions.TryGetValue(role, out var cached))
        {
            return cached;
        }

        var permissions = await ListPermissionsAsync(role, ct);
        if (permissions.Count > 0)
        {
            _permissions = new Dictionary<string, IReadOnlyList<SandboxPermission>>(_permissions, StringComparer.Ordinal) { [role] = permissions };
        }

        return permissions;
    }

    /// <summary><c>hasGlobalAdminRole()</c>: any user holds ROLE_ADMIN (read from the database, as <c>getAllRoles</c>).</summary>
    public async Task<bool> HasGlobalAdminAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM roles WHERE role = @role", new { role = PermissionMatcher.GlobalAdminRole }, cancellationToken: ct)) > 0;
    }

    /// <summary>A user and its ROLE_ADMIN binding, unless the table has the user already (<c>INSERT IGNORE</c>); then reloads.</summary>
    public async Task AddAdminAsync(string username, string hash, CancellationToken ct)
    {
        await using (var connection = await database.OpenAsync(ct))
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition("INSERT IGNORE INTO users (username, password, enabled) VALUES (@username, @hash, 1)",
                new { username, hash }, transaction, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition("INSERT IGNORE INTO roles (username, role) VALUES (@username, @role)",
                new { username, role = PermissionMatcher.GlobalAdminRole }, transaction, cancellationToken: ct));
            await transaction.CommitAsync(ct);
        }

        await ReloadAsync(ct);
    }

    /// <summary><c>getUserFromDatabase</c>: the user's row, read now.</summary>
    public async Task<bool> UserExistsAsync(string username, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM users WHERE username = @username", new { username }, cancellationToken: ct)) > 0;
    }

    /// <summary>Users filtered exactly by name (blank = all), as <c>getUsers</c>: name and hash.</summary>
    public async Task<IReadOnlyList<SandboxUser>> ListUsersAsync(string username, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return [.. await connection.QueryAsync<SandboxUser>(new CommandDefinition(
            "SELECT username, password, enabled FROM users WHERE (@username = '' OR username = @username) ORDER BY username",
            new { username }, cancellationToken: ct))];
    }

    /// <summary>Role bindings filtered exactly by user and role (blank = any), as <c>getRolesByUserNameAndRoleName</c>.</summary>
    public async Task<IReadOnlyList<SandboxRole>> ListRolesAsync(string username, string role, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return [.. await connection.QueryAsync<SandboxRole>(new CommandDefinition(
            "SELECT role, username FROM roles WHERE (@username = '' OR username = @username) AND (@role = '' OR role = @role) ORDER BY role, username",
            new { username, role }, cancellationToken: ct))];
    }

    /// <summary>Permissions of one role (blank = every role), as <c>getPermissions</c>.</summary>
    public async Task<IReadOnlyList<SandboxPermission>> ListPermissionsAsync(string role, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return [.. await connection.QueryAsync<SandboxPermission>(new CommandDefinition(
            "SELECT role, resource, action FROM permissions WHERE (@role = '' OR role = @role) ORDER BY role, resource, action",
            new { role }, cancellationToken: ct))];
    }

    /// <summary>Runs one write to the roles or permissions table (the cache sees it on the next reload, or at once on a miss).</summary>
    public async Task<int> ExecuteAsync(string sql, object args, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(sql, args, cancellationToken: ct));
    }
}
