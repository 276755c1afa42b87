namespace NacosSync.Core.Auth;

/// <summary>
/// A Nacos user (<c>users</c> table). <see cref="PasswordHash"/> is the bcrypt hash as stored: copied as it is, never
/// logged, never in a metric or an error (<see cref="ToString"/> leaves it out).
/// </summary>
public sealed record AuthUser(string Username, string PasswordHash, bool Enabled)
{
    public override string ToString() => $"user {Username}";

    /// <summary>Equal hash and enabled flag (the hash compared in constant time is not needed: both sides are ours to read).</summary>
    public bool SameAs(AuthUser other) => other is not null && PasswordHash == other.PasswordHash && Enabled == other.Enabled;
}

/// <summary>A role held by a user (<c>roles</c> table: unique (username, role)).</summary>
public readonly record struct AuthRoleBinding(string Role, string Username)
{
    public override string ToString() => $"role {Role} of {Username}";
}

/// <summary>A permission granted to a role (<c>permissions</c> table: unique (role, resource, action)); resource <c>namespace:group:name</c>, action r, w or rw.</summary>
public readonly record struct AuthGrant(string Role, string Resource, string Action)
{
    public override string ToString() => $"permission {Role} {Action} {Resource}";
}

/// <summary>The three auth tables of one cluster.</summary>
public sealed record AuthSnapshot(IReadOnlyList<AuthUser> Users, IReadOnlyList<AuthRoleBinding> Roles, IReadOnlyList<AuthGrant> Permissions)
{
    public static AuthSnapshot Empty { get; } = new([], [], []);
}

/// <summary>The keys under which the task remembers what it created in the target (ownership), one string per object.</summary>
public static class AuthObjectKeys
{
    public static string Of(AuthUser user) => "user\u0001" + user.Username;

    public static string Of(AuthRoleBinding role) => $"role\u0001{role.Role}\u0001{role.Username}";

    public static string Of(AuthGrant permission) => $"permission\u0001{permission.Role}\u0001{permission.Resource}\u0001{permission.Action}";

    /// <summary>The object a key names, as its <c>ToString</c> writes it (never a hash: keys hold none).</summary>
    public static string Describe(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var parts = key.Split('\u0001');
        return parts switch
        {
            ["user", var user] => $"user {user}",
            ["role", var role, var user] => $"role {role} of {user}",
            ["permission", var role, var resource, var action] => $"permission {role} {action} {resource}",
            _ => key,
        };
    }
}
