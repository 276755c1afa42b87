using System.Text.RegularExpressions;

namespace NacosSync.Sandbox.Auth;

/// <summary>What a request touches (auth/api Resource): a namespace, group and name of one type (<c>config</c> or <c>naming</c>).</summary>
internal sealed record AuthResource(string NamespaceId, string Group, string Name, string Type);

/// <summary>
/// Nacos's permission check for users without ROLE_ADMIN: <c>hasPermission</c> and <c>joinResource</c> of 2.4.3
/// plugin-default-impl roles/NacosRoleServiceImpl and of 3.x roles/AbstractCheckedRoleService. A permission's resource
/// is a Java regex once every <c>*</c> is <c>.*</c>, matched against the whole joined resource
/// <c>namespace:group:type/name</c> (blank group <c>*</c>, blank name <c>type/*</c>); its action must contain the
/// request's (<c>rw</c> contains <c>r</c> and <c>w</c>). The public namespace differs by line:
/// <list type="bullet">
/// <item>2.x: the request's namespace went through NamespaceUtil.processNamespaceParameter (blank, <c>public</c>,
/// <c>null</c> → <c>""</c>) and joinResource leaves out <c>""</c> and <c>public</c>, so the public namespace is
/// <c>:group:...</c>: the permission <c>:*:*</c> matches it, <c>public:*:*</c> does not.</item>
/// <item>3.x: blank is <c>public</c> and joinResource writes <c>public:group:...</c>; a permission starting with
/// <c>:</c> gets <c>public</c> put in front, so <c>:*:*</c> and <c>public:*:*</c> both match it.</item>
/// </list>
/// </summary>
internal static class PermissionMatcher
{
    /// <summary>AuthConstants.GLOBAL_ADMIN_ROLE.</summary>
    public const string GlobalAdminRole = "ROLE_ADMIN";

    /// <summary>Constants.DEFAULT_NAMESPACE_ID.</summary>
    private const string DefaultNamespaceId = "public";

    /// <summary>joinResource of the line (<paramref name="v3"/>: 3.x rules).</summary>
    public static string Join(AuthResource resource, bool v3)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var ns = resource.NamespaceId?.Trim() ?? "";
        if (!v3 && (ns.Equals("public", StringComparison.OrdinalIgnoreCase) || ns.Equals("null", StringComparison.OrdinalIgnoreCase)))
        {
            ns = ""; // NamespaceUtil.processNamespaceParameter (2.x), before joinResource drops it
        }

        if (v3 && string.IsNullOrWhiteSpace(ns))
        {
            ns = DefaultNamespaceId;
        }
        else if (!v3 && ns == DefaultNamespaceId)
        {
            ns = "";
        }

        var group = string.IsNullOrWhiteSpace(resource.Group) ? "*" : resource.Group;
        var name = string.IsNullOrWhiteSpace(resource.Name) ? "*" : resource.Name;
        return $"{ns}:{group}:{resource.Type}/{name}";
    }

    /// <summary>Whether one permission row grants <paramref name="action"/> (r or w) on the joined resource.</summary>
    public static bool Grants(SandboxPermission permission, string joinedResource, string action, bool v3)
    {
        ArgumentNullException.ThrowIfNull(permission);
        if (!permission.Action.Contains(action, StringComparison.Ordinal))
        {
            return false;
        }

        var pattern = permission.Resource.Replace("*", ".*", StringComparison.Ordinal);
        if (v3 && pattern.StartsWith(':'))
        {
            pattern = DefaultNamespaceId + pattern;
        }

        try
        {
            // Pattern.matches: the whole input.
            return Regex.IsMatch(joinedResource, $"\\A(?:{pattern})\\z", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            return false; // a resource that is no valid pattern grants nothing (Java would throw; the sandbox refuses)
        }
    }
}
