using System.Text.Json.Serialization;

namespace NacosSync.Sandbox.Grpc;

// The JSON bodies of the Nacos gRPC protocol, written from the Java classes in alibaba/nacos
// api/src/main/java/com/alibaba/nacos/api/remote/{request,response}/ (2.4.3 and 3.x agree on these).
// Jackson serialises every getter: a request body carries `requestId`, `module` and an emptied
// `headers` (GrpcUtils.convertRequestToByte moves them to metadata.headers); a response carries
// `resultCode`, `errorCode`, `message`, `requestId` and `success` (= resultCode == 200). The C# type
// name of each record is the Java simple class name written into metadata.type.

/// <summary>Response.java: resultCode 200 (ResponseCode.SUCCESS) or 500 (FAIL), errorCode, message, requestId.</summary>
internal abstract record NacosResponse
{
    public int ResultCode { get; init; } = 200;

    public int ErrorCode { get; init; }

    public string? Message { get; init; }

    public string? RequestId { get; init; }

    /// <summary>Response.isSuccess(): resultCode == 200.</summary>
    public bool Success => ResultCode == 200;

    /// <summary>Response.setErrorInfo: resultCode FAIL (500), the error code and message.</summary>
    public NacosResponse WithError(int errorCode, string message) => this with { ResultCode = 500, ErrorCode = errorCode, Message = message };
}

/// <summary>
/// A request the server pushes on the bi-stream (ServerRequest.java). The server numbers them
/// (PushAckIdGenerator: 1, 2, ...) and the client answers with a response carrying that requestId.
/// </summary>
internal abstract record ServerPush
{
    public string? RequestId { get; init; }

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The module getter: "internal", "naming" or "config".</summary>
    public abstract string Module { get; }
}

/// <summary>ErrorResponse.java: what the acceptor answers when no handler runs (unregistered connection, no handler, bad body).</summary>
internal sealed record ErrorResponse : NacosResponse
{
    /// <summary>ErrorResponse.build(errorCode, msg): resultCode 500.</summary>
    public static NacosResponse Of(int errorCode, string message) => new ErrorResponse().WithError(errorCode, message);

    /// <summary>ErrorResponse.build(Throwable) for a NacosException/NacosRuntimeException: resultCode = errorCode.</summary>
    public static NacosResponse Thrown(int errorCode, string message) => new ErrorResponse { ResultCode = errorCode, ErrorCode = errorCode, Message = message };
}

/// <summary>The error codes the acceptor and handlers use (api/.../exception/NacosException.java).</summary>
internal static class NacosErrorCodes
{
    public const int InvalidParam = 400;
    public const int NoRight = 403;
    public const int ServerError = 500;
    public const int BadGateway = 502;
    public const int InvalidServerStatus = 300;
    public const int UnRegister = 301;
    public const int NoHandler = 302;
    public const int ClientDisconnect = -401;

    /// <summary>ConfigQueryResponse.CONFIG_NOT_FOUND.</summary>
    public const int ConfigNotFound = 300;
}

/// <summary>ServerCheckRequest.java (no fields): answered before any connection check.</summary>
internal sealed record ServerCheckRequest;

/// <summary>ServerCheckResponse.java: the id the transport gave this client's connection (2.3+: and supportAbilityNegotiation).</summary>
internal sealed record ServerCheckResponse(
    string ConnectionId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? SupportAbilityNegotiation) : NacosResponse;

/// <summary>ConnectionSetupRequest.java: the first message on the bi-stream; registers the connection.</summary>
internal sealed record ConnectionSetupRequest(
    string? ClientVersion,
    string? Tenant,
    Dictionary<string, string>? Labels,
    Dictionary<string, bool>? AbilityTable);

/// <summary>SetupAckRequest.java: pushed (2.3+) after a set-up that carried an ability table; sent without waiting for the ack.</summary>
internal sealed record SetupAckRequest(IReadOnlyDictionary<string, bool> AbilityTable) : ServerPush
{
    public override string Module => "internal";
}

/// <summary>HealthCheckRequest.java (no fields) → HealthCheckResponse.java.</summary>
internal sealed record HealthCheckRequest;

internal sealed record HealthCheckResponse : NacosResponse;

/// <summary>ClientDetectionRequest.java: NacosRuntimeConnectionEjector's probe of a connection idle ≥ 20 s.</summary>
internal sealed record ClientDetectionRequest : ServerPush
{
    public override string Module => "internal";
}

/// <summary>ConnectResetRequest.java: asks the client to reconnect (to serverIp:serverPort when given).</summary>
internal sealed record ConnectResetRequest(string? ServerIp, string? ServerPort, string? ConnectionId) : ServerPush
{
    public override string Module => "internal";
}
