using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NacosSync.Sandbox.Hosting;

namespace NacosSync.Sandbox.Config;

/// <summary>
/// The v3 config API (reference §8). Client get: config/controller/v3/ConfigOpenApiController.java
/// (<c>/nacos/v3/client/cs/config</c>, served from the node's cache); admin: ConfigControllerV3.java
/// (<c>/nacos/v3/admin/cs/config</c> get from the DB, publish, delete, <c>/list</c>) and ConfigOpsControllerV3.java
/// (<c>/nacos/v3/admin/cs/ops/localCache</c>). Parameters as ConfigFormV3 binds them: <c>groupName</c>, not <c>group</c>;
/// <c>namespaceId</c>, blank = <c>public</c> (NamespaceUtil.processNamespaceParameter).
/// </summary>
internal static class V3ConfigEndpoints
{
    private const string Admin = "/nacos/v3/admin/cs/config";

    public static void Map(IEndpointRouteBuilder app, SandboxNode node)
    {
        var cluster = node.Cluster;
        if (cluster.Traits.V3ClientApi)
        {
            app.MapGet("/nacos/v3/client/cs/config", async Task<IResult> (HttpContext c) => ClientGet(node, await ReadAsync(c)));
        }

        app.MapGet(Admin, async Task<IResult> (HttpContext c) => await AdminGetAsync(cluster, await ReadAsync(c), c.RequestAborted));
        app.MapPost(Admin, async Task<IResult> (HttpContext c) => await PublishAsync(cluster, c, await ReadAsync(c)));
        app.MapDelete(Admin, async Task<IResult> (HttpContext c) => await DeleteAsync(cluster, c, await ReadAsync(c)));
        app.MapGet(Admin + "/list", async Task<IResult> (HttpContext c) => await V3ConfigList.AnswerAsync(cluster, await ReadAsync(c), c.RequestAborted));
        app.MapPost("/nacos/v3/admin/cs/ops/localCache", () =>
        {
            _ = node.StartLocalCacheRefresh();
            return V3Results.Ok(ConfigEndpoints.LocalCacheDone);
        });
    }

    private static Task<NacosParams> ReadAsync(HttpContext context) => NacosParams.ReadAsync(context.Request, context.RequestAborted);

    /// <summary>
    /// ConfigFormV3.validate: groupName first, then dataId. The answer carries the v1 names (<c>group</c>,
    /// <c>tenant</c>) so the v1 publish/delete/key code serves both.
    /// </summary>
    private static (NacosParams? Mapped, IResult? Invalid) Validate(NacosParams p, bool withContent)
    {
        if (string.IsNullOrWhiteSpace(p["groupName"]))
        {
            return (null, V3Results.Missing("groupName"));
        }

        if (string.IsNullOrWhiteSpace(p["dataId"]))
        {
            return (null, V3Results.Missing("dataId"));
        }

        if (withContent && string.IsNullOrWhiteSpace(p["content"]))
        {
            return (null, V3Results.Missing("content"));
        }

        return (p.With("group", p["groupName"]).With("tenant", p["namespaceId"] ?? ""), null);
    }

    /// <summary>
    /// The node's cached value as ConfigQueryResponse (a gRPC Response: resultCode 200, errorCode 0, success). Nothing
    /// cached is <c>Result.failure(RESOURCE_NOT_FOUND)</c> with HTTP 200.
    /// </summary>
    private static IResult ClientGet(SandboxNode node, NacosParams p)
    {
        var (mapped, invalid) = Validate(p, withContent: false);
        if (invalid is not null)
        {
            return invalid;
        }

        var cached = node.Cache.Get(ConfigEndpoints.Key(node.Cluster.Traits, mapped!));
        if (cached is null)
        {
            return V3Results.Failure(V3ErrorCode.ResourceNotFound);
        }

        return V3Results.Ok(new Dictionary<string, object?>
        {
            ["resultCode"] = 200,
            ["errorCode"] = 0,
            ["message"] = null,
            ["requestId"] = null,
            ["success"] = true,
            ["content"] = cached.Content,
            ["encryptedDataKey"] = cached.EncryptedDataKey,
            ["contentType"] = cached.Type,
            ["md5"] = cached.Md5,
            ["lastModified"] = new DateTimeOffset(cached.LastModified, TimeSpan.Zero).ToUnixTimeMilliseconds(),
            ["beta"] = false,
            ["tag"] = null,
        });
    }

    /// <summary>
    /// <c>findConfigAllInfo</c>: the DB row, not the cache (so it never shows a node's stale value). Absent: 404 code
    /// 20004 "Config not exist, please publish Config first.".
    /// </summary>
    private static async Task<IResult> AdminGetAsync(SandboxCluster cluster, NacosParams p, CancellationToken ct)
    {
        var (mapped, invalid) = Validate(p, withContent: false);
        if (invalid is not null)
        {
            return invalid;
        }

        if (cluster.ConfigStore is not { } store || cluster.Options.Database is not { } database)
        {
            return V3Results.ServerError(StatusCodes.Status503ServiceUnavailable, "the sandbox cluster has no config database");
        }

        var row = await store.LoadAsync(ConfigEndpoints.Key(cluster.Traits, mapped!), ct);
        var detail = row is null ? null : await ConfigDetailQuery.LoadAsync(database, row.Id, ct);
        if (row is null || detail is null)
        {
            return V3Results.ApiError(StatusCodes.Status404NotFound, V3ErrorCode.ResourceNotFound, "Config not exist, please publish Config first.");
        }

        return V3Results.Ok(new Dictionary<string, object?>
        {
            ["id"] = row.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["namespaceId"] = row.TenantId,
            ["groupName"] = row.GroupId,
            ["dataId"] = row.DataId,
            ["md5"] = row.Md5,
            ["type"] = row.Type,
            ["appName"] = row.AppName,
            ["createTime"] = new DateTimeOffset(detail.GmtCreate, TimeSpan.Zero).ToUnixTimeMilliseconds(),
            ["modifyTime"] = new DateTimeOffset(row.GmtModified, TimeSpan.Zero).ToUnixTimeMilliseconds(),
            ["content"] = row.Content,
            ["desc"] = detail.Description,
            ["encryptedDataKey"] = row.EncryptedDataKey,
            ["createUser"] = detail.SrcUser,
            ["createIp"] = detail.SrcIp,
            ["configTags"] = detail.Tags,
        });
    }

    /// <summary>
    /// validateWithContent, then ParamUtils.checkParam: a bad dataId or group is a NacosException(400), which
    /// NacosApiExceptionHandler answers with code 30000 and the message as data. Success: <c>data: true</c>.
    /// </summary>
    private static async Task<IResult> PublishAsync(SandboxCluster cluster, HttpContext context, NacosParams p)
    {
        var (mapped, invalid) = Validate(p, withContent: true);
        if (invalid is not null)
        {
            return invalid;
        }

        // ConfigFormV3 names the tags configTags; the v1 publish reads config_tags.
        var (status, body) = await ConfigEndpoints.PublishAsync(cluster, context, mapped!.With("config_tags", p["configTags"]));
        return status == StatusCodes.Status200OK ? V3Results.Ok(true) : V3Results.ServerError(status, body);
    }

    private static async Task<IResult> DeleteAsync(SandboxCluster cluster, HttpContext context, NacosParams p)
    {
        var (mapped, invalid) = Validate(p, withContent: false);
        if (invalid is not null)
        {
            return invalid;
        }

        var (status, body) = await ConfigEndpoints.DeleteAsync(cluster, context, mapped!);
        return status == StatusCodes.Status200OK ? V3Results.Ok(true) : V3Results.ServerError(status, body);
    }
}
