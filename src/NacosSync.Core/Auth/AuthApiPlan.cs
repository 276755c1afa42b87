namespace NacosSync.Core.Auth;

/// <summary>
/// API mode (a target without database access): what of an <see cref="AuthPlan"/> the target's auth API can carry out.
/// Nacos's API creates a user only from a clear-text password (UserController.createUser hashes it), and only the
/// source's bcrypt hash exists, so no user is created, updated or removed that way; a role binding needs its user in
/// the target (RoleController.addRole: "user 'U' not found!"); a permission needs a role some user of the target holds
/// (addPermission: "role R not found!"); <c>ROLE_ADMIN</c> is never granted through it ("role 'ROLE_ADMIN' is not permitted
/// to create!", so <c>Auth:CopyAdmins</c> copies admins in database mode only). Each object that cannot be carried out is named with its reason.
/// </summary>
public static class AuthApiPlan
{
    /// <summary>The plan restricted to roles and permissions the API can write, and what it cannot, by name.</summary>
    public static (AuthPlan Plan, IReadOnlyList<string> NotCopied) Restrict(AuthPlan plan, AuthSnapshot target, string targetName)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(target);
        var notCopied = new List<string>();
        const string Why = "only its bcrypt hash exists, and the API creates users from a clear-text password";
        notCopied.AddRange(plan.CreateUsers.Select(u =>
            $"{u} not copied: {targetName} is written through its API (no Database), {Why}; create it there or give Clusters:{targetName}:Database"));
        notCopied.AddRange(plan.UpdateUsers.Select(u => $"{u} not updated: {targetName} is written through its API (no Database), {Why}"));
        notCopied.AddRange(plan.RemoveUsers.Select(u => $"{u} not removed: {targetName} is written through its API (no Database); users are left to its operators"));

        var users = target.Users.Select(u => u.Username).ToHashSet(StringComparer.Ordinal);
        var addRoles = new List<AuthRoleBinding>();
        foreach (var role in plan.AddRoles)
        {
            if (role.Role == AuthPlanner.GlobalAdminRole)
            {
                // NacosRoleServiceImpl.addRole refuses it whoever asks: named once per run, not a write error every run.
                notCopied.Add($"{role} not copied: {targetName} is written through its API (no Database), and Nacos's API refuses to grant {AuthPlanner.GlobalAdminRole}; grant it there by hand or give Clusters:{targetName}:Database");
            }
            else if (users.Contains(role.Username))
            {
                addRoles.Add(role);
            }
            else
            {
                notCopied.Add($"{role} not copied: {role.Username} is not a user of {targetName} (users cannot be copied through the API)");
            }
        }

        var removed = plan.RemoveRoles.ToHashSet();
        var heldRoles = target.Roles.Where(r => !removed.Contains(r)).Concat(addRoles).Select(r => r.Role).ToHashSet(StringComparer.Ordinal);
        var addPermissions = new List<AuthGrant>();
        foreach (var permission in plan.AddPermissions)
        {
            if (heldRoles.Contains(permission.Role))
            {
                addPermissions.Add(permission);
            }
            else
            {
                notCopied.Add($"{permission} not copied: no user of {targetName} holds {permission.Role} (Nacos refuses a permission for a role nobody holds)");
            }
        }

        var restricted = plan with
        {
            CreateUsers = [],
            UpdateUsers = [],
            RemoveUsers = [],
            AddRoles = addRoles,
            AddPermissions = addPermissions,
            LeftAlone = [.. plan.LeftAlone, .. notCopied],
        };
        return (restricted, notCopied);
    }
}
