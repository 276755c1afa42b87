using System.Text.Json.Serialization;

namespace NacosSync.Nacos.Grpc.Messages;

/// <summary>
/// A request body: the JSON of a Java <c>com.alibaba.nacos.api.remote.request.Request</c>. The Java
/// client clears the headers before it serialises a request (they travel in <c>metadata.headers</c>,
/// <c>GrpcUtils.convertRequestToByte</c>), so the body carries <c>"headers":{}</c>, the
/// <c>requestId</c> and the <c>module</c> its getter reports.
/// </summary>
internal abstract record GrpcRequest
{
    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();

    /// <summary>Set by the server on its pushes (the answer must carry it back); ours are for the logs.</summary>
    public string? RequestId { get; init; }

    /// <summary>Always empty in the body: headers go in the payload's metadata.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; } = NoHeaders;

    /// <summary><c>Request.getModule()</c>: <c>internal</c>, <c>naming</c> or <c>config</c>.</summary>
    public abstract string Module { get; }

    /// <summary>Whether a failed call may be sent again (reads, and writes whose repetition is harmless).</summary>
    [JsonIgnore]
    public virtual bool Idempotent => true;

    /// <summary>Whether it only reads: reads use the read pipeline.</summary>
    [JsonIgnore]
    public virtual bool IsRead => false;

    /// <summary>
    /// An error code that is an answer rather than a failure for this request (the config query's 300,
    /// <c>ConfigQueryResponse.CONFIG_NOT_FOUND</c>): the response is returned instead of thrown.
    /// </summary>
    public virtual bool AcceptsErrorCode(int errorCode) => false;
}

/// <summary>
/// A response body: <c>com.alibaba.nacos.api.remote.response.Response</c> — <c>resultCode</c>
/// (<c>ResponseCode</c>: 200 success, 500 fail), <c>errorCode</c>, <c>message</c>, <c>requestId</c>.
/// </summary>
internal abstract record GrpcResponse
{
    public const int Success = 200;
    public const int Fail = 500;

    public int ResultCode { get; init; } = Success;

    public int ErrorCode { get; init; }

    public string? Message { get; init; }

    public string? RequestId { get; init; }

    /// <summary><c>Response.isSuccess()</c>: <c>resultCode == 200</c>.</summary>
    [JsonIgnore]
    public bool IsSuccess => ResultCode == Success;
}

/// <summary>Error codes of <c>com.alibaba.nacos.api.exception.NacosException</c> the connection acts on.</summary>
internal static class NacosErrorCodes
{
    /// <summary><c>INVALID_SERVER_STATUS</c>: the server is starting; try later (or another node).</summary>
    public const int InvalidServerStatus = 300;

    /// <summary><c>UN_REGISTER</c>: the server does not know this connection; reconnect.</summary>
    public const int Unregistered = 301;

    /// <summary><c>NO_HANDLER</c>: the server has no handler for the request type.</summary>
    public const int NoHandler = 302;

    /// <summary><c>NO_RIGHT</c>: authentication or permission refused.</summary>
    public const int NoRight = 403;

    /// <summary><c>CLIENT_ERROR</c>: what the Java client answers a push it could not handle.</summary>
    public const int ClientError = -500;

    /// <summary><c>ConfigQueryResponse.CONFIG_NOT_FOUND</c>.</summary>
    public const int ConfigNotFound = 300;
}
