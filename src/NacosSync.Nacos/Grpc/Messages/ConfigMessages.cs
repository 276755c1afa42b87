using System.Text.Json.Serialization;

namespace NacosSync.Nacos.Grpc.Messages;

// Config bodies, from alibaba/nacos api/src/main/java/com/alibaba/nacos/api/config/remote/{request,response}/.

/// <summary><c>AbstractConfigRequest {dataId, group, tenant}</c>, module <c>config</c>.</summary>
internal abstract record ConfigRequest : GrpcRequest
{
    public string? DataId { get; init; }

    public string? Group { get; init; }

    public string? Tenant { get; init; }

    public override string Module => "config";
}

/// <summary><c>ConfigQueryRequest {tag}</c>; a missing config answers errorCode 300, which is returned, not thrown.</summary>
internal sealed record ConfigQueryRequest : ConfigRequest
{
    public string? Tag { get; init; }

    public override bool IsRead => true;

    public override bool AcceptsErrorCode(int errorCode) => errorCode == NacosErrorCodes.ConfigNotFound;
}

/// <summary><c>ConfigQueryResponse {content, encryptedDataKey, contentType, md5, lastModified, tag}</c>.</summary>
internal sealed record ConfigQueryResponse : GrpcResponse
{
    public string? Content { get; init; }

    public string? EncryptedDataKey { get; init; }

    public string? ContentType { get; init; }

    public string? Md5 { get; init; }

    public long LastModified { get; init; }

    public string? Tag { get; init; }

    /// <summary>errorCode 300 (<c>CONFIG_NOT_FOUND</c>).</summary>
    [JsonIgnore]
    public bool IsNotFound => !IsSuccess && ErrorCode == NacosErrorCodes.ConfigNotFound;
}

/// <summary>
/// <c>ConfigPublishRequest {content, casMd5, additionMap}</c>; additionMap carries <c>type</c>,
/// <c>appName</c>, <c>desc</c>, <c>config_tags</c>, .... With a <see cref="CasMd5"/> a repeat after
/// success fails the compare, so it is not sent twice.
/// </summary>
internal sealed record ConfigPublishRequest : ConfigRequest
{
    public required string Content { get; init; }

    public string? CasMd5 { get; init; }

    public IReadOnlyDictionary<string, string>? AdditionMap { get; init; }

    public override bool Idempotent => string.IsNullOrEmpty(CasMd5);
}

internal sealed record ConfigPublishResponse : GrpcResponse;

/// <summary><c>ConfigRemoveRequest {tag}</c>.</summary>
internal sealed record ConfigRemoveRequest : ConfigRequest
{
    public string? Tag { get; init; }
}

internal sealed record ConfigRemoveResponse : GrpcResponse;

/// <summary><c>ConfigBatchListenRequest.ConfigListenContext {group, md5, dataId, tenant}</c>.</summary>
internal sealed record ConfigListenContext(string DataId, string Group, string Tenant, string Md5);

/// <summary>
/// <c>ConfigBatchListenRequest {listen, configListenContexts}</c>: the answer names the keys whose md5
/// differs from the one sent; later changes come as <see cref="ConfigChangeNotifyRequest"/> pushes.
/// <c>listen:false</c> removes the listeners.
/// </summary>
internal sealed record ConfigBatchListenRequest : ConfigRequest
{
    public bool Listen { get; init; } = true;

    public required IReadOnlyList<ConfigListenContext> ConfigListenContexts { get; init; }

    public override bool IsRead => true;
}

/// <summary><c>ConfigChangeBatchListenResponse.ConfigContext {group, dataId, tenant}</c>.</summary>
internal sealed record ConfigContext(string? DataId, string? Group, string? Tenant);

internal sealed record ConfigChangeBatchListenResponse : GrpcResponse
{
    public IReadOnlyList<ConfigContext> ChangedConfigs { get; init; } = [];
}

/// <summary>Server push: a listened config changed (a <c>ServerRequest</c>, module <c>config</c>).</summary>
internal sealed record ConfigChangeNotifyRequest : GrpcRequest
{
    public string? DataId { get; init; }

    public string? Group { get; init; }

    public string? Tenant { get; init; }

    public override string Module => "config";
}

internal sealed record ConfigChangeNotifyResponse : GrpcResponse;
