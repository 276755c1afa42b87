using NacosSync.Core.Options;

namespace NacosSync.Core.Auth;

/// <summary>What the auth diff asks for. Removals are candidates: the deletion guard judges them before they are applied.</summary>
public sealed record AuthPlan(
    IReadOnlyList<AuthUser> CreateUsers,
    IReadOnlyList<AuthUser> UpdateUsers,
    IReadOnlyList<AuthUser> RemoveUsers,
    IReadOnlyList<AuthRoleBinding> AddRoles,
    IReadOnlyList<AuthRoleBinding> RemoveRoles,
    IReadOnlyList<AuthGrant> AddPermissions,
    IReadOnlyList<AuthGrant> RemovePermissions,
    IReadOnlyList<string> Conflicts,
    IReadOnlyList<string> LeftAlone)
{
    public int Additions => CreateUsers.Count + AddRoles.Count + AddPermissions.Count;

    public int Removals => RemoveUsers.Count + RemoveRoles.Count + RemovePermissions.Count;

    public bool IsEmpty => Additions + UpdateUsers.Count + Removals == 0;
}

/// <summary>
/// The pure auth diff (issue 14). Users, role bindings and permissions of the source are created in the target; a user
/// both sides have with another hash is a conflict, reported and left as it is unless <see cref="AuthSyncOptions.OverwriteUsers"/>
/// (and then only when the task owns it or mirrors). Only objects the task created (<c>owned</c>) are changed or
/// removed, unless <see cref="AuthSyncOptions.MirrorDeletes"/>. Never touched whatever the options: the target's global
/// admins (users holding <see cref="GlobalAdminRole"/> there) and the users in <c>protectedUsers</c> (the
/// daemon's own login); the source's global admin bindings are copied only with <see cref="AuthSyncOptions.CopyAdmins"/>.
/// Permission resources name a namespace first (<c>ns:group:name</c>): it is mapped as the task maps namespaces.
/// </summary>
public static class AuthPlanner
{
    /// <summary>Nacos's global admin role.</summary>
    public const string GlobalAdminRole = "ROLE_ADMIN";

    public static AuthPlan Plan(AuthSnapshot source, AuthSnapshot target, IReadOnlySet<string> owned, IReadOnlySet<string> protectedUsers,
        AuthSyncOptions options, Func<string, string?> mapNamespace)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(owned);
        ArgumentNullException.ThrowIfNull(protectedUsers);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(mapNamespace);
        var leftAlone = new List<string>();
        var untouchable = new HashSet<string>(protectedUsers, StringComparer.Ordinal);
        untouchable.UnionWith(target.Roles.Where(r => r.Role == GlobalAdminRole).Select(r => r.Username));
        var sourceAdmins = source.Roles.Where(r => r.Role == GlobalAdminRole).Select(r => r.Username).ToHashSet(StringComparer.Ordinal);

        bool Mine(string key) => options.MirrorDeletes || owned.Contains(key);

        // Users: the source's global admins come along only with CopyAdmins (they would administer the target).
        var wantedUsers = source.Users.Where(u => options.CopyAdmins || !sourceAdmins.Contains(u.Username)).ToDictionary(u => u.Username, StringComparer.Ordinal);
        leftAlone.AddRange(source.Users.Where(u => !wantedUsers.ContainsKey(u.Username)).Select(u => $"{u}: a global admin of the source (Auth:CopyAdmins to copy)"));
        var targetUsers = target.Users.ToDictionary(u => u.Username, StringComparer.Ordinal);
        var create = new List<AuthUser>();
        var update = new List<AuthUser>();
        var conflicts = new List<string>();
        foreach (var user in wantedUsers.Values.OrderBy(u => u.Username, StringComparer.Ordinal))
        {
            if (!targetUsers.TryGetValue(user.Username, out var there))
            {
                if (untouchable.Contains(user.Username))
                {
                    leftAlone.Add($"{user}: protected in the target");
                    continue;
                }

                create.Add(user);
            }
            else if (!user.SameAs(there))
            {
                if (untouchable.Contains(user.Username))
                {
                    leftAlone.Add($"{user}: protected in the target (its global admin or the daemon's own login)");
                }
                else if (options.OverwriteUsers || owned.Contains(AuthObjectKeys.Of(user)))
                {
                    update.Add(user); // ours (the source changed its password or enabled flag), or the operator asked to overwrite
                }
                else
                {
                    conflicts.Add($"{user} exists in both clusters with another password or enabled flag; left as it is in the target (Auth:OverwriteUsers to replace it)");
                }
            }
        }

        var removeUsers = target.Users
            .Where(u => !wantedUsers.ContainsKey(u.Username) && !untouchable.Contains(u.Username) && Mine(AuthObjectKeys.Of(u)))
            .OrderBy(u => u.Username, StringComparer.Ordinal).ToList();

        // Role bindings: only for users that will exist in the target; admin bindings only with CopyAdmins.
        var usersAfter = targetUsers.Keys.Concat(create.Select(u => u.Username)).Except(removeUsers.Select(u => u.Username)).ToHashSet(StringComparer.Ordinal);
        var wantedRoles = source.Roles.Where(r => (options.CopyAdmins || r.Role != GlobalAdminRole) && wantedUsers.ContainsKey(r.Username)).ToHashSet();
        var targetRoles = target.Roles.ToHashSet();
        var addRoles = wantedRoles.Where(r => !targetRoles.Contains(r) && usersAfter.Contains(r.Username) && !untouchable.Contains(r.Username)).OrderBy(AuthObjectKeys.Of, StringComparer.Ordinal).ToList();
        var removeRoles = targetRoles.Where(r => !wantedRoles.Contains(r) && r.Role != GlobalAdminRole && !untouchable.Contains(r.Username) && Mine(AuthObjectKeys.Of(r))).OrderBy(AuthObjectKeys.Of, StringComparer.Ordinal).ToList();

        // Permissions: resources mapped to the target's namespaces; a permission on a namespace the task does not copy stays behind.
        var wantedPermissions = new HashSet<AuthGrant>();
        foreach (var p in source.Permissions)
        {
            if (MapResource(p.Resource, mapNamespace) is { } resource)
            {
                wantedPermissions.Add(p with { Resource = resource });
            }
            else
            {
                leftAlone.Add($"{p}: its namespace is not copied by this task");
            }
        }

        var targetPermissions = target.Permissions.ToHashSet();
        var addPermissions = wantedPermissions.Where(p => !targetPermissions.Contains(p)).OrderBy(AuthObjectKeys.Of, StringComparer.Ordinal).ToList();
        var removePermissions = targetPermissions.Where(p => !wantedPermissions.Contains(p) && Mine(AuthObjectKeys.Of(p))).OrderBy(AuthObjectKeys.Of, StringComparer.Ordinal).ToList();
        return new AuthPlan(create, update, removeUsers, addRoles, removeRoles, addPermissions, removePermissions, conflicts, leftAlone);
    }

    /// <summary>A permission resource <c>namespace:group:name</c> with its namespace mapped; <c>*</c> stays; null when the namespace is not copied.</summary>
    public static string? MapResource(string resource, Func<string, string?> mapNamespace)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(mapNamespace);
        var colon = resource.IndexOf(':', StringComparison.Ordinal);
        var ns = colon < 0 ? resource : resource[..colon];
        if (ns == "*")
        {
            return resource;
        }

        return mapNamespace(ns) is { } mapped ? mapped + (colon < 0 ? "" : resource[colon..]) : null;
    }
}
