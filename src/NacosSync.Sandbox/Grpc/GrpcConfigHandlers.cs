using NacosSync.Sandbox.Auth;
using NacosSync.Sandbox.Config;

namespace NacosSync.Sandbox.Grpc;

/// <summary>
/// The config request handlers of config/src/main/java/com/alibaba/nacos/config/server/remote/: reads
/// from the node's own cache (reference §5), writes through the config store, listens per connection.
/// </summary>
internal static class GrpcConfigHandlers
{
    private const string NoDatabase = "the sandbox cluster has no config database";

    public static void AddTo(Dictionary<string, GrpcHandler> handlers)
    {
        handlers["ConfigQueryRequest"] = new(true, () => new ConfigQueryResponse(), call => Task.FromResult(Query(call)),
            GrpcPermission.Config("r"));
        handlers["ConfigPublishRequest"] = new(true, () => new ConfigPublishResponse(), PublishAsync,
            GrpcPermission.Config("w"));
        handlers["ConfigRemoveRequest"] = new(true, () => new ConfigRemoveResponse(), RemoveAsync,
            GrpcPermission.Config("w"));
        // ConfigGrpcResourceParser: a batch listen is one resource, the namespace of its FIRST context with blank
        // group and dataId (the request's own fields), so ns:*:config/* is checked once, not each key.
        handlers["ConfigBatchListenRequest"] = new(true, () => new ConfigChangeBatchListenResponse([]), call => Task.FromResult<NacosResponse>(BatchListen(call)),
            call => new(RequestResource.Config(call.Body<ConfigBatchListenRequest>().ConfigListenContexts is [var first, ..] ? first.Tenant : "", "", ""), "r"));
    }

    /// <summary>ConfigQueryRequestHandler: the node's cache; errorCode 300 "config data not exist" when absent.</summary>
    private static NacosResponse Query(GrpcCall call)
    {
        var request = call.Body<ConfigQueryRequest>();
        var key = Key(call.Node, request.DataId, request.Group, request.Tenant);
        if (call.Node.Cache.Get(key) is not { } cached)
        {
            return new ConfigQueryResponse().WithError(NacosErrorCodes.ConfigNotFound, "config data not exist");
        }

        return new ConfigQueryResponse
        {
            Content = cached.Content,
            Md5 = cached.Md5,
            EncryptedDataKey = cached.EncryptedDataKey,
            ContentType = cached.Type,
            LastModified = new DateTimeOffset(DateTime.SpecifyKind(cached.LastModified, DateTimeKind.Utc)).ToUnixTimeMilliseconds(),
        };
    }

    /// <summary>ConfigPublishRequestHandler: ParamUtils checks, CAS on casMd5, every node's cache refreshed (API writes, reference §5).</summary>
    private static async Task<NacosResponse> PublishAsync(GrpcCall call)
    {
        var request = call.Body<ConfigPublishRequest>();
        if (call.Node.Cluster.ConfigStore is not { } store)
        {
            return new ConfigPublishResponse().WithError(NacosErrorCodes.ServerError, NoDatabase);
        }

        var key = Key(call.Node, request.DataId, request.Group, request.Tenant);
        var addition = request.AdditionMap ?? [];
        if (CheckParams(key, request.Content) is { } invalid)
        {
            return new ConfigPublishResponse().WithError(NacosErrorCodes.InvalidParam, invalid);
        }

        if (!string.IsNullOrEmpty(Get(addition, "betaIps")) || !string.IsNullOrEmpty(Get(addition, "tag")))
        {
            return new ConfigPublishResponse().WithError(NacosErrorCodes.InvalidParam, "sandbox: beta and tag publishing are not modelled");
        }

        var type = Get(addition, "type");
        var published = await store.PublishAsync(
            new PublishRequest(
                key,
                request.Content!,
                string.IsNullOrWhiteSpace(type) ? "text" : type,
                Get(addition, "appName"),
                Get(addition, "desc"),
                Get(addition, "config_tags"),
                Get(addition, "encryptedDataKey") ?? "",
                call.Connection.Transport.RemoteIp,
                Get(addition, "src_user"),
                string.IsNullOrEmpty(request.CasMd5) ? null : request.CasMd5),
            call.Ct);
        if (!published)
        {
            return new ConfigPublishResponse().WithError(NacosErrorCodes.ServerError, "Cas publish fail,server md5 may have changed.");
        }

        await call.Node.Cluster.RefreshAllNodesAsync(key, call.Ct);
        return new ConfigPublishResponse();
    }

    /// <summary>ConfigRemoveRequestHandler.</summary>
    private static async Task<NacosResponse> RemoveAsync(GrpcCall call)
    {
        var request = call.Body<ConfigRemoveRequest>();
        if (call.Node.Cluster.ConfigStore is not { } store)
        {
            return new ConfigRemoveResponse().WithError(NacosErrorCodes.ServerError, NoDatabase);
        }

        var key = Key(call.Node, request.DataId, request.Group, request.Tenant);
        if (CheckParams(key, "rm") is { } invalid)
        {
            return new ConfigRemoveResponse().WithError(NacosErrorCodes.ServerError, invalid);
        }

        await store.DeleteAsync(key, call.Connection.Transport.RemoteIp, null, call.Ct);
        await call.Node.Cluster.RefreshAllNodesAsync(key, call.Ct);
        return new ConfigRemoveResponse();
    }

    /// <summary>ConfigChangeBatchListenRequestHandler: listen (answering the keys whose md5 is not up to date) or stop listening.</summary>
    private static ConfigChangeBatchListenResponse BatchListen(GrpcCall call)
    {
        var request = call.Body<ConfigBatchListenRequest>();
        var changed = new List<ConfigContext>();
        foreach (var context in request.ConfigListenContexts ?? [])
        {
            var key = Key(call.Node, context.DataId, context.Group, context.Tenant);
            if (request.Listen)
            {
                call.Connection.ConfigListens[key] = 0;
                if (!string.Equals(call.Node.Cache.Md5(key), context.Md5 ?? "", StringComparison.Ordinal))
                {
                    changed.Add(new ConfigContext(context.DataId ?? "", context.Group ?? "", context.Tenant ?? ""));
                }
            }
            else
            {
                call.Connection.ConfigListens.TryRemove(key, out _);
            }
        }

        return new ConfigChangeBatchListenResponse(changed);
    }

    /// <summary>The cache key: a blank tenant is the public namespace of the profile ("" on 2.x, "public" on 3.x).</summary>
    private static ConfigKey Key(SandboxNode node, string? dataId, string? group, string? tenant) => new(
        (dataId ?? "").Trim(),
        (group ?? "").Trim(),
        string.IsNullOrWhiteSpace(tenant) ? node.Cluster.Traits.PublicConfigTenant : tenant.Trim());

    /// <summary>ParamUtils.checkParam(dataId, group, datumId, content): the first problem, as its message.</summary>
    private static string? CheckParams(ConfigKey key, string? content)
    {
        if (key.DataId.Length == 0 || !ValidName(key.DataId))
        {
            return $"invalid dataId : {key.DataId}";
        }

        if (key.Group.Length == 0 || !ValidName(key.Group))
        {
            return $"invalid group : {key.Group}";
        }

        return string.IsNullOrWhiteSpace(content) ? $"content is blank : {content}" : null;
    }

    /// <summary>ParamUtils.isValid: letters, digits and <c>_-.:</c>.</summary>
    private static bool ValidName(string value) => value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':');

    private static string? Get(Dictionary<string, string> map, string key) => map.TryGetValue(key, out var value) ? value : null;
}
