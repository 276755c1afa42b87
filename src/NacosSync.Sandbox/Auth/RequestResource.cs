using Microsoft.AspNetCore.Http;
using NacosSync.Sandbox.Hosting;

namespace NacosSync.Sandbox.Auth;

/// <summary>
/// The resource and action of a guarded HTTP request, as the <c>@Secured</c> annotation and the resource parsers of
/// auth/parser/http name them: ConfigHttpResourceParser (namespace <c>namespaceId</c>, else <c>tenant</c>; group
/// <c>groupName</c>, else <c>group</c>; name <c>dataId</c>) and NamingHttpResourceParser (namespace <c>namespaceId</c>;
/// group <c>groupName</c>, else the group of <c>serviceName</c> <c>group@@name</c>, DEFAULT_GROUP without one (NamingUtils.getGroupName); name the service without group).
/// Reads (GET, and the config listener, <c>@Secured(action = READ)</c> in ConfigController.listener) need <c>r</c>,
/// everything else <c>w</c>. Other guarded paths (namespaces, cluster nodes, the auth console) carry a <c>console/...</c>
/// resource, which only a global admin passes (hasPermission: "Old global admin can pass resource 'console/'").
/// </summary>
internal static class RequestResource
{
    /// <summary>The config or naming resource of the request, or null for a console resource (admins only).</summary>
    public static (AuthResource Resource, string Action)? Of(HttpRequest request, NacosParams p)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(p);
        var path = request.Path.Value ?? "";
        var read = HttpMethods.IsGet(request.Method) || path.EndsWith("/configs/listener", StringComparison.Ordinal);
        var action = read ? "r" : "w";
        if (path.Contains("/cs/", StringComparison.Ordinal))
        {
            var ns = Blank(p["namespaceId"]) ? p["tenant"] : p["namespaceId"];
            var group = Blank(p["groupName"]) ? p["group"] : p["groupName"];
            return (Config(ns, group, p["dataId"]), action);
        }

        if (path.Contains("/ns/", StringComparison.Ordinal))
        {
            return (Naming(p["namespaceId"], p["groupName"], p["serviceName"]), action);
        }

        return null;
    }

    /// <summary>A config resource: namespace (tenant), group and dataId, as ConfigHttpResourceParser and ConfigGrpcResourceParser take them.</summary>
    public static AuthResource Config(string? namespaceId, string? group, string? dataId) =>
        new(namespaceId ?? "", group ?? "", dataId ?? "", "config");

    /// <summary>
    /// A naming resource (NamingHttpResourceParser, NamingGrpcResourceParser): a blank group is the group of
    /// <c>group@@name</c> (DEFAULT_GROUP without one, NamingUtils.getGroupName); the name is the service without group.
    /// </summary>
    public static AuthResource Naming(string? namespaceId, string? groupName, string? serviceName)
    {
        var service = serviceName ?? "";
        var split = service.IndexOf("@@", StringComparison.Ordinal);
        var group = groupName;
        if (Blank(group))
        {
            group = service.Length == 0 ? "" : split < 0 ? "DEFAULT_GROUP" : service[..split];
        }

        return new AuthResource(namespaceId ?? "", group ?? "", split < 0 ? service : service[(split + 2)..], "naming");
    }

    private static bool Blank(string? value) => string.IsNullOrWhiteSpace(value);
}
