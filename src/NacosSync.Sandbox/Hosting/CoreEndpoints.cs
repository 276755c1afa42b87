using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace NacosSync.Sandbox.Hosting;

/// <summary>Server state, cluster members, namespaces, login: the endpoints that are neither naming nor config.</summary>
internal static class CoreEndpoints
{
    public static void Map(IEndpointRouteBuilder app, SandboxNode node)
    {
        var cluster = node.Cluster;
        var traits = cluster.Traits;

        app.MapGet("/nacos/v1/console/server/state", () => NacosResults.JsonBody(ServerState(cluster)));
        app.MapGet("/nacos/v1/console/health/liveness", () => NacosResults.Text("OK"));
        app.MapGet("/nacos/v1/console/health/readiness", () => NacosResults.Text("OK"));
        app.MapGet("/nacos/v1/ns/operator/metrics", () => NacosResults.JsonBody(new
        {
            status = "UP",
            serviceCount = cluster.Naming.Services(Naming.NamingDefaults.Namespace, null).Count,
            load = 0.0,
            mem = 0.1,
            cpu = 0.1,
        }));

        app.MapGet("/nacos/v1/core/cluster/nodes", () => NacosResults.JsonBody(new { code = 200, message = (string?)null, data = Members(cluster) }));

        app.MapPost("/nacos/v1/auth/login", async Task<IResult> (HttpContext context) => await LoginAsync(context, cluster));
        app.MapPost("/nacos/v1/auth/users/login", async Task<IResult> (HttpContext context) => await LoginAsync(context, cluster));
        Auth.AuthAdminEndpoints.MapV1(app, cluster);

        app.MapGet("/nacos/v1/console/namespaces", async Task<IResult> (HttpContext context) =>
            NacosResults.JsonBody(new { code = 200, message = (string?)null, data = await NamespacesAsync(cluster, context.RequestAborted) }));
        app.MapPost("/nacos/v1/console/namespaces", async Task<IResult> (HttpContext context) =>
        {
            var p = await NacosParams.ReadAsync(context.Request, context.RequestAborted);
            return await CreateNamespaceAsync(cluster, p.Get("customNamespaceId", Guid.NewGuid().ToString()), p.Get("namespaceName", ""), p["namespaceDesc"], context.RequestAborted)
                ? NacosResults.Text("true")
                : NacosResults.Text("false");
        });
        app.MapDelete("/nacos/v1/console/namespaces", async Task<IResult> (HttpContext context) =>
        {
            var p = await NacosParams.ReadAsync(context.Request, context.RequestAborted);
            var deleted = cluster.ConfigStore is { } store && await store.DeleteNamespaceAsync(p.Get("namespaceId", ""), context.RequestAborted);
            return NacosResults.Text(deleted ? "true" : "false");
        });

        if (traits.V2OpenApi)
        {
            app.MapGet("/nacos/v2/core/cluster/node/list", () => NacosResults.V2(Members(cluster)));
            app.MapGet("/nacos/v2/console/namespace/list", async Task<IResult> (HttpContext context) =>
                NacosResults.V2(await NamespacesAsync(cluster, context.RequestAborted)));
        }
    }

    internal static Dictionary<string, object?> ServerState(SandboxCluster cluster) => new()
    {
        ["version"] = cluster.Traits.Version,
        ["standalone_mode"] = cluster.Options.Standalone ? "standalone" : "cluster",
        ["function_mode"] = null,
        ["auth_enabled"] = cluster.Auth.ClientEnabled ? "true" : "false",
        ["login_page_enabled"] = cluster.Auth.AdminEnabled ? "true" : "false",
        ["auth_system_type"] = "nacos",
        ["console_ui_enabled"] = "true",
    };

    internal static List<Dictionary<string, object?>> Members(SandboxCluster cluster) =>
        cluster.Nodes.Select(n => new Dictionary<string, object?>
        {
            ["ip"] = cluster.Options.Host,
            ["port"] = n.Port,
            ["state"] = n.IsRunning ? "UP" : "DOWN",
            ["extendInfo"] = new Dictionary<string, object?> { ["version"] = cluster.Traits.Version },
            ["address"] = n.Address,
            ["failAccessCnt"] = 0,
            ["abilities"] = new Dictionary<string, object?>(),
        }).ToList();

    internal static async Task<IResult> LoginAsync(HttpContext context, SandboxCluster cluster)
    {
        var p = await NacosParams.ReadAsync(context.Request, context.RequestAborted);
        if (!cluster.Auth.Enabled)
        {
            // Nacos with auth off still answers a login, with a token nobody checks.
            return NacosResults.JsonBody(new { accessToken = "", tokenTtl = cluster.Auth.TokenTtlSeconds, globalAdmin = true, username = p["username"] });
        }

        if (!cluster.Auth.CheckPassword(p["username"], p["password"]))
        {
            return NacosResults.Text("unknown user!", StatusCodes.Status403Forbidden);
        }

        return NacosResults.JsonBody(new
        {
            accessToken = cluster.Auth.IssueToken(p["username"]!),
            tokenTtl = cluster.Auth.TokenTtlSeconds,
            globalAdmin = await cluster.Auth.IsGlobalAdminAsync(p["username"], context.RequestAborted),
            username = p["username"],
        });
    }

    internal static async Task<List<Dictionary<string, object?>>> NamespacesAsync(SandboxCluster cluster, CancellationToken ct)
    {
        var publicTenant = cluster.Traits.PublicConfigTenant;
        var list = new List<Dictionary<string, object?>>
        {
            new()
            {
                ["namespace"] = cluster.Traits.PublicNamespaceId,
                ["namespaceShowName"] = "public",
                ["namespaceDesc"] = "Public Namespace",
                ["quota"] = 200,
                ["configCount"] = cluster.ConfigStore is { } s ? await s.CountAsync(publicTenant, ct) : 0,
                ["type"] = 0,
            },
        };

        if (cluster.ConfigStore is { } store)
        {
            foreach (var row in await store.NamespacesAsync(ct))
            {
                list.Add(new Dictionary<string, object?>
                {
                    ["namespace"] = row.TenantId,
                    ["namespaceShowName"] = row.TenantName,
                    ["namespaceDesc"] = row.TenantDesc,
                    ["quota"] = 200,
                    ["configCount"] = await store.CountAsync(row.TenantId, ct),
                    ["type"] = 2,
                });
            }
        }

        return list;
    }

    private static async Task<bool> CreateNamespaceAsync(SandboxCluster cluster, string id, string name, string? description, CancellationToken ct) =>
        cluster.ConfigStore is { } store
        && await store.CreateNamespaceAsync(id, name, description, cluster.Clock.GetUtcNow().ToUnixTimeMilliseconds(), ct);
}
