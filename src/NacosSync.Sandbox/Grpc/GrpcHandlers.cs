using NacosSync.Nacos.Protocol;
using NacosSync.Sandbox.Auth;

namespace NacosSync.Sandbox.Grpc;

/// <summary>One unary request being handled: the node, the set-up connection, the payload and its headers.</summary>
internal sealed record GrpcCall(SandboxNode Node, GrpcConnection Connection, Payload Payload, IReadOnlyDictionary<string, string> Headers, CancellationToken Ct)
{
    public T Body<T>() => GrpcPayloads.Parse<T>(Payload);
}

/// <summary>
/// A RequestHandler: <paramref name="Secured"/> when its handle method carries <c>@Secured</c> (the auth
/// filter runs), <paramref name="Refusal"/> the default response instance the filter fills with an error,
/// <paramref name="Permission"/> the resource parser and action of the <c>@Secured</c> (null: login only).
/// </summary>
internal sealed record GrpcHandler(bool Secured, Func<NacosResponse> Refusal, Func<GrpcCall, Task<NacosResponse>> Handle, Func<GrpcCall, GrpcPermission>? Permission = null);

/// <summary>The resource a secured request touches and the action (<c>r</c> or <c>w</c>) its <c>@Secured</c> names.</summary>
internal sealed record GrpcPermission(AuthResource Resource, string Action)
{
    /// <summary>ConfigGrpcResourceParser: tenant, group and dataId of a config request (query, publish, remove).</summary>
    public static Func<GrpcCall, GrpcPermission> Config(string action) => call =>
    {
        var r = call.Body<ConfigResourceFields>();
        return new GrpcPermission(RequestResource.Config(r.Tenant, r.Group, r.DataId), action);
    };

    /// <summary>NamingGrpcResourceParser: namespace, group and service of any AbstractNamingRequest.</summary>
    public static Func<GrpcCall, GrpcPermission> Naming(string action) => call =>
    {
        var r = call.Body<NamingResourceFields>();
        return new GrpcPermission(RequestResource.Naming(r.Namespace, r.GroupName, r.ServiceName), action);
    };

    private sealed record ConfigResourceFields(string? DataId, string? Group, string? Tenant);

    private sealed record NamingResourceFields(string? Namespace, string? ServiceName, string? GroupName);
}

/// <summary>A NacosException / NacosRuntimeException thrown by a handler: the acceptor answers ErrorResponse.build(e).</summary>
internal sealed class NacosRequestException : Exception
{
    public NacosRequestException(int errorCode, string message)
        : base(message) => ErrorCode = errorCode;

    public int ErrorCode { get; }

    /// <summary>A NacosRuntimeException: its message is ERROR_MESSAGE_FORMAT "errCode: %d, errMsg: %s " (trailing space included).</summary>
    public static NacosRequestException Runtime(int errorCode, string message) =>
        new(errorCode, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"errCode: {errorCode}, errMsg: {message} "));
}

/// <summary>The handler registry (RequestHandlerRegistry) of a profile.</summary>
internal static class GrpcHandlers
{
    public static IReadOnlyDictionary<string, GrpcHandler> For(GrpcProfile profile)
    {
        var handlers = new Dictionary<string, GrpcHandler>(StringComparer.Ordinal)
        {
            // HealthCheckRequestHandler has no @Secured.
            ["HealthCheckRequest"] = new(false, () => new HealthCheckResponse(), static _ => Task.FromResult<NacosResponse>(new HealthCheckResponse())),
        };
        GrpcNamingHandlers.AddTo(handlers, profile);
        GrpcConfigHandlers.AddTo(handlers);
        return handlers;
    }
}
