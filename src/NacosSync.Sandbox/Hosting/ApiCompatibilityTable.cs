using Microsoft.AspNetCore.Http;

namespace NacosSync.Sandbox.Hosting;

/// <summary>The kinds of <c>@Compatibility(apiType = ...)</c> that 3.0/3.1 switch off by default.</summary>
internal enum LegacyApiKind
{
    Console,
    Admin,
}

/// <summary>One v1/v2 endpoint that 3.0/3.1 answer 410, with the <c>alternatives</c> text of its annotation.</summary>
internal sealed record CompatibilityEntry(string Method, string Path, string? Query, LegacyApiKind Kind, string? Alternative)
{
    /// <summary>The switch named in the message (<c>ApiCompatibilityConfig</c>'s keys).</summary>
    public string Switch => Kind == LegacyApiKind.Console
        ? "nacos.core.api.compatibility.console.enabled"
        : "nacos.core.api.compatibility.admin.enabled";

    /// <summary>The message of <c>ApiCompatibilityFilter.responseReject</c>.</summary>
    public string Message => Alternative is null
        ? $"Current API will be deprecated, If wanted continue to use, please set `{Switch}=true` in application.properties."
        : $"Current API will be deprecated, please use API(s) `{Alternative}` instead, or set `{Switch}=true` in application.properties.";
}

/// <summary>
/// The v1/v2 endpoints the sandbox knows whose <c>@Compatibility</c> kind is CONSOLE_API or ADMIN_API, read from the
/// 3.0.3 controllers (naming/controllers/InstanceController, ServiceController, CatalogController, HealthController,
/// v2/*; config/controller/ConfigController, HistoryController, ConfigOpsController, v2/ConfigControllerV2;
/// core/controller/NacosClusterController, v2/NacosClusterControllerV2; console/controller/NamespaceController,
/// v2/NamespaceControllerV2). OPEN_API endpoints (register, deregister, beat, instance list, service list, config
/// get/publish/delete/listener) are absent: the client switch is on by default. The alternatives are quoted as the
/// annotations spell them, placeholders and all (the filter does not resolve them).
/// </summary>
internal static class ApiCompatibilityTable
{
    private const string Ctx = "${contextPath:nacos}";
    private const string BareCtx = "{contextPath:nacos}";

    private static readonly CompatibilityEntry[] Entries =
    [
        new("GET", "/nacos/v1/ns/catalog/services", null, LegacyApiKind.Console, $"GET {Ctx}/v3/console/ns/service/list"),
        new("GET", "/nacos/v1/ns/catalog/service", null, LegacyApiKind.Console, $"GET {Ctx}/v3/console/ns/service"),
        new("*", "/nacos/v1/ns/catalog/instances", null, LegacyApiKind.Console, $"GET {Ctx}/v3/console/ns/instance/list"),
        new("PUT", "/nacos/v1/ns/instance", null, LegacyApiKind.Admin, $"PUT {Ctx}/v3/admin/ns/instance"),
        new("GET", "/nacos/v1/ns/instance", null, LegacyApiKind.Admin, $"GET {Ctx}/v3/admin/ns/instance"),
        new("PATCH", "/nacos/v1/ns/instance", null, LegacyApiKind.Admin, $"PUT {Ctx}/v3/admin/ns/instance/partial"),
        new("POST", "/nacos/v1/ns/service", null, LegacyApiKind.Admin, $"POST {Ctx}/v3/admin/ns/service"),
        new("DELETE", "/nacos/v1/ns/service", null, LegacyApiKind.Admin, $"DELETE {Ctx}/v3/admin/ns/service"),
        new("GET", "/nacos/v1/ns/service", null, LegacyApiKind.Admin, $"GET {Ctx}/v3/admin/ns/service"),
        new("PUT", "/nacos/v1/ns/service", null, LegacyApiKind.Admin, $"PUT {Ctx}/v3/admin/ns/service"),
        new("PUT", "/nacos/v1/ns/health", null, LegacyApiKind.Admin, $"PUT {Ctx}/v3/admin/health/instance"),
        new("PUT", "/nacos/v1/ns/health/instance", null, LegacyApiKind.Admin, $"PUT {Ctx}/v3/admin/health/instance"),
        new("GET", "/nacos/v1/cs/configs", "search=accurate", LegacyApiKind.Console, $"GET {Ctx}/v3/console/cs/config/list"),
        new("GET", "/nacos/v1/cs/configs", "search=blur", LegacyApiKind.Console, $"GET {Ctx}/v3/console/cs/config/list"),
        new("GET", "/nacos/v1/cs/configs", "show=all", LegacyApiKind.Admin, $"GET {Ctx}/v3/admin/cs/config"),
        new("GET", "/nacos/v1/cs/history", "search=accurate", LegacyApiKind.Console, $"GET {Ctx}/v3/console/cs/history/list"),
        new("GET", "/nacos/v1/cs/history", null, LegacyApiKind.Console, $"GET {Ctx}/v3/console/cs/history"),
        new("POST", "/nacos/v1/cs/ops/localCache", null, LegacyApiKind.Admin, $"POST {BareCtx}/v3/admin/cs/ops/localCache"),
        new("GET", "/nacos/v1/core/cluster/nodes", null, LegacyApiKind.Console, $"GET {Ctx}/v3/admin/core/cluster/node/list"),
        new("GET", "/nacos/v1/console/namespaces", null, LegacyApiKind.Console, $"GET {Ctx}/v3/console/core/namespace/list"),
        new("POST", "/nacos/v1/console/namespaces", null, LegacyApiKind.Console, $"POST {Ctx}/v3/console/core/namespace"),
        new("PUT", "/nacos/v1/console/namespaces", null, LegacyApiKind.Console, $"PUT {Ctx}/v3/console/core/namespace"),
        new("DELETE", "/nacos/v1/console/namespaces", null, LegacyApiKind.Console, $"DELETE {Ctx}/v3/console/core/namespace"),
        new("POST", "/nacos/v2/ns/instance", null, LegacyApiKind.Admin, $"POST {Ctx}/v3/admin/ns/instance"),
        new("DELETE", "/nacos/v2/ns/instance", null, LegacyApiKind.Admin, $"DELETE {Ctx}/v3/admin/ns/instance"),
        new("PUT", "/nacos/v2/ns/instance", null, LegacyApiKind.Admin, $"PUT {Ctx}/v3/admin/ns/instance"),
        new("GET", "/nacos/v2/ns/instance", null, LegacyApiKind.Admin, $"GET {Ctx}/v3/admin/ns/instance"),
        new("GET", "/nacos/v2/ns/instance/list", null, LegacyApiKind.Admin, $"GET {Ctx}/v3/admin/ns/instance/list"),
        new("PUT", "/nacos/v2/ns/instance/beat", null, LegacyApiKind.Admin, null),
        new("POST", "/nacos/v2/ns/service", null, LegacyApiKind.Admin, $"POST {Ctx}/v3/admin/ns/service"),
        new("DELETE", "/nacos/v2/ns/service", null, LegacyApiKind.Admin, $"DELETE {Ctx}/v3/admin/ns/service"),
        new("GET", "/nacos/v2/ns/service", null, LegacyApiKind.Admin, $"GET {Ctx}/v3/admin/ns/service"),
        new("PUT", "/nacos/v2/ns/service", null, LegacyApiKind.Admin, $"PUT {Ctx}/v3/admin/ns/service"),
        new("GET", "/nacos/v2/ns/service/list", null, LegacyApiKind.Admin, $"GET {Ctx}/v3/admin/ns/service/list"),
        new("GET", "/nacos/v2/cs/config", null, LegacyApiKind.Admin, $"GET {Ctx}/v3/admin/cs/config"),
        new("POST", "/nacos/v2/cs/config", null, LegacyApiKind.Admin, $"POST {Ctx}/v3/admin/cs/config"),
        new("DELETE", "/nacos/v2/cs/config", null, LegacyApiKind.Admin, $"DELETE {Ctx}/v3/admin/cs/config"),
        new("GET", "/nacos/v2/core/cluster/node/list", null, LegacyApiKind.Admin, $"GET {BareCtx}/v3/admin/core/cluster/node/list"),
        new("GET", "/nacos/v2/console/namespace/list", null, LegacyApiKind.Console, $"GET {Ctx}/v3/console/core/namespace/list"),
    ];

    /// <summary>The entry answering this request, most specific (query-matched) first; null when the endpoint still works.</summary>
    public static CompatibilityEntry? Find(HttpRequest request)
    {
        CompatibilityEntry? plain = null;
        foreach (var entry in Entries)
        {
            if (!request.Path.Equals(entry.Path, StringComparison.Ordinal)
                || (entry.Method != "*" && !string.Equals(entry.Method, request.Method, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            if (entry.Query is null)
            {
                plain ??= entry;
                continue;
            }

            var (name, value) = (entry.Query[..entry.Query.IndexOf('=', StringComparison.Ordinal)], entry.Query[(entry.Query.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            if (string.Equals(request.Query[name].ToString(), value, StringComparison.Ordinal))
            {
                return entry;
            }
        }

        return plain;
    }
}
