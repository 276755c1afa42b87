using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace NacosSync.Sandbox.Hosting;

/// <summary>
/// The v3 core admin API (reference §8): core/controller/v3/ServerStateController.java (<c>/nacos/v3/admin/core/state</c>,
/// open), NacosClusterControllerV3.java (<c>/cluster/node/list</c>) and NamespaceControllerV3.java (<c>/namespace</c>,
/// <c>/namespace/list</c>, rows in tenant_info).
/// </summary>
internal static partial class V3CoreEndpoints
{
    private const string Core = "/nacos/v3/admin/core";
    private const int NamespaceIdMaxLength = 128;

    public static void Map(IEndpointRouteBuilder app, SandboxNode node)
    {
        var cluster = node.Cluster;
        app.MapGet(Core + "/state", () => V3Results.Ok(CoreEndpoints.ServerState(cluster)));
        app.MapGet(Core + "/state/liveness", () => V3Results.Ok("ok"));
        app.MapGet(Core + "/state/readiness", () => V3Results.Ok("ok"));
        app.MapGet(Core + "/cluster/node/list", (HttpContext c) => NodeList(cluster, c.Request));
        app.MapGet(Core + "/namespace/list", async Task<IResult> (HttpContext c) =>
            V3Results.Ok(await CoreEndpoints.NamespacesAsync(cluster, c.RequestAborted)));
        app.MapPost(Core + "/namespace", async Task<IResult> (HttpContext c) => await CreateNamespaceAsync(cluster, c));
    }

    /// <summary>The members, filtered by <c>address</c> (prefix, as ServerMemberManager.allMembers filtering does) and <c>state</c>.</summary>
    private static IResult NodeList(SandboxCluster cluster, HttpRequest request)
    {
        var address = request.Query["address"].ToString();
        var state = request.Query["state"].ToString();
        if (state.Length > 0 && !string.Equals(state, "UP", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(state, "DOWN", StringComparison.OrdinalIgnoreCase) && !string.Equals(state, "SUSPICIOUS", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(state, "STARTING", StringComparison.OrdinalIgnoreCase) && !string.Equals(state, "ISOLATION", StringComparison.OrdinalIgnoreCase))
        {
            return V3Results.ApiError(StatusCodes.Status400BadRequest, V3ErrorCode.IllegalState, "Illegal state: " + state);
        }

        var members = CoreEndpoints.Members(cluster)
            .Where(m => address.Length == 0 || ((string)m["address"]!).StartsWith(address, StringComparison.Ordinal))
            .Where(m => state.Length == 0 || string.Equals((string)m["state"]!, state, StringComparison.OrdinalIgnoreCase))
            .ToList();
        return V3Results.Ok(members);
    }

    /// <summary>
    /// NamespaceControllerV3.createNamespace: <c>namespaceId</c> and <c>namespaceName</c> must be present (blank id →
    /// a UUID), the id matches <c>^[\w-]+</c> within 128 characters, the name has none of <c>@#$%^&amp;*</c>; an id that
    /// exists (or <c>public</c>) is 400 code 22002 (NamespaceOperationService.isNamespaceExist).
    /// </summary>
    internal static async Task<IResult> CreateNamespaceAsync(SandboxCluster cluster, HttpContext context)
    {
        var p = await NacosParams.ReadAsync(context.Request, context.RequestAborted);
        if (p["namespaceId"] is not { } rawId)
        {
            return V3Results.ApiError(StatusCodes.Status400BadRequest, V3ErrorCode.ParameterMissing, "required parameter 'namespaceId' is missing");
        }

        if (p["namespaceName"] is not { } name)
        {
            return V3Results.ApiError(StatusCodes.Status400BadRequest, V3ErrorCode.ParameterMissing, "required parameter 'namespaceName' is missing");
        }

        var id = string.IsNullOrWhiteSpace(rawId) ? Guid.NewGuid().ToString() : rawId.Trim();
        if (!NamespaceId().IsMatch(id))
        {
            return V3Results.ApiError(StatusCodes.Status400BadRequest, V3ErrorCode.IllegalNamespace, $"namespaceId [{id}] mismatch the pattern");
        }

        if (id.Length > NamespaceIdMaxLength)
        {
            return V3Results.ApiError(StatusCodes.Status400BadRequest, V3ErrorCode.IllegalNamespace, $"too long namespaceId, over {NamespaceIdMaxLength}");
        }

        if (!NamespaceName().IsMatch(name))
        {
            return V3Results.ApiError(StatusCodes.Status400BadRequest, V3ErrorCode.IllegalNamespace, $"namespaceName [{name}] contains illegal char");
        }

        if (string.Equals(id, "public", StringComparison.Ordinal))
        {
            return V3Results.ApiError(StatusCodes.Status400BadRequest, V3ErrorCode.NamespaceAlreadyExist, $"namespaceId [{id}] is default namespace id and already exist.");
        }

        if (cluster.ConfigStore is not { } store)
        {
            return V3Results.ServerError(StatusCodes.Status503ServiceUnavailable, "the sandbox cluster has no config database");
        }

        var created = await store.CreateNamespaceAsync(id, name, p["namespaceDesc"], cluster.Clock.GetUtcNow().ToUnixTimeMilliseconds(), context.RequestAborted);
        return created
            ? V3Results.Ok(true)
            : V3Results.ApiError(StatusCodes.Status400BadRequest, V3ErrorCode.NamespaceAlreadyExist, $"namespaceId [{id}] already exist.");
    }

    [GeneratedRegex(@"^[\w-]+$")]
    private static partial Regex NamespaceId();

    [GeneratedRegex("^[^@#$%^&*]+$")]
    private static partial Regex NamespaceName();
}
