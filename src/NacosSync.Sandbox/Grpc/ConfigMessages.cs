namespace NacosSync.Sandbox.Grpc;

// Config bodies from alibaba/nacos api/src/main/java/com/alibaba/nacos/api/config/remote/{request,response}/
// (AbstractConfigRequest: dataId, group, tenant; module "config").

/// <summary>ConfigQueryRequest.java.</summary>
internal sealed record ConfigQueryRequest(string? DataId, string? Group, string? Tenant, string? Tag);

/// <summary>ConfigQueryResponse.java: errorCode 300 (CONFIG_NOT_FOUND) "config data not exist" when absent; <c>isBeta</c> serialises as <c>beta</c>.</summary>
internal sealed record ConfigQueryResponse : NacosResponse
{
    public string? Content { get; init; }

    public string? EncryptedDataKey { get; init; }

    public string? ContentType { get; init; }

    public string? Md5 { get; init; }

    public long LastModified { get; init; }

    public bool Beta { get; init; }

    public string? Tag { get; init; }
}

/// <summary>ConfigPublishRequest.java: additionMap carries type, appName, desc, config_tags, src_user, encryptedDataKey, betaIps, tag.</summary>
internal sealed record ConfigPublishRequest(string? DataId, string? Group, string? Tenant, string? Content, string? CasMd5, Dictionary<string, string>? AdditionMap);

internal sealed record ConfigPublishResponse : NacosResponse;

/// <summary>ConfigRemoveRequest.java.</summary>
internal sealed record ConfigRemoveRequest(string? DataId, string? Group, string? Tenant, string? Tag);

internal sealed record ConfigRemoveResponse : NacosResponse;

/// <summary>ConfigBatchListenRequest.ConfigListenContext.</summary>
internal sealed record ConfigListenContext(string? DataId, string? Group, string? Tenant, string? Md5);

/// <summary>ConfigBatchListenRequest.java: listen (default true) or stop listening to each context.</summary>
internal sealed record ConfigBatchListenRequest(bool Listen = true, List<ConfigListenContext>? ConfigListenContexts = null);

/// <summary>ConfigChangeBatchListenResponse.ConfigContext.</summary>
internal sealed record ConfigContext(string DataId, string Group, string Tenant);

/// <summary>ConfigChangeBatchListenResponse.java: the listened keys whose md5 differs from the node's cache.</summary>
internal sealed record ConfigChangeBatchListenResponse(IReadOnlyList<ConfigContext> ChangedConfigs) : NacosResponse;

/// <summary>ConfigChangeNotifyRequest.java: pushed by RpcConfigChangeNotifier when the node's cache changes a listened key.</summary>
internal sealed record ConfigChangeNotifyRequest(string DataId, string Group, string Tenant) : ServerPush
{
    public override string Module => "config";
}
