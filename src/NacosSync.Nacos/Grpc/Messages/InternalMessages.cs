namespace NacosSync.Nacos.Grpc.Messages;

// The connection's own messages, from alibaba/nacos api/src/main/java/com/alibaba/nacos/api/remote/
// {request,response}/ (ServerCheckRequest.java, ConnectionSetupRequest.java, SetupAckRequest.java, ...).
// InternalRequest and ServerRequest subclasses report module "internal" (Constants.Remote.INTERNAL_MODULE).

/// <summary>Base of <c>InternalRequest</c> and of the connection-level <c>ServerRequest</c>s.</summary>
internal abstract record InternalRequest : GrpcRequest
{
    public override string Module => "internal";

    public override bool IsRead => true;
}

/// <summary>Unary, first on a new channel: the server answers with the connection id of this HTTP/2 connection.</summary>
internal sealed record ServerCheckRequest : InternalRequest;

/// <summary><c>ServerCheckResponse {connectionId, supportAbilityNegotiation}</c>.</summary>
internal sealed record ServerCheckResponse : GrpcResponse
{
    public string? ConnectionId { get; init; }

    /// <summary>2.3+: the server will send <see cref="SetupAckRequest"/> after the setup (when we sent an ability table).</summary>
    public bool SupportAbilityNegotiation { get; init; }
}

/// <summary>
/// First message on the bi-stream: registers the connection with the server
/// (<c>GrpcBiStreamRequestAcceptor</c>). <see cref="Tenant"/> is the namespace, <see cref="Labels"/>
/// carry <c>source</c>, <c>module</c> and <c>AppName</c>. A non-null <see cref="AbilityTable"/>
/// (even empty) asks a 2.3+ server for its abilities in a <see cref="SetupAckRequest"/>.
/// </summary>
internal sealed record ConnectionSetupRequest : InternalRequest
{
    public required string ClientVersion { get; init; }

    public string? Tenant { get; init; }

    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    public IReadOnlyDictionary<string, bool>? AbilityTable { get; init; }
}

/// <summary>
/// Server → client after a setup with an ability table: the server's abilities. The server sends it
/// with <c>sendRequestNoAck</c> and the Java client does not answer it (<c>GrpcClient.bindRequestStream</c>
/// returns after <c>setupRequestHandler.requestReply</c>); it marks the connection registered.
/// </summary>
internal sealed record SetupAckRequest : InternalRequest
{
    public IReadOnlyDictionary<string, bool>? AbilityTable { get; init; }
}

internal sealed record SetupAckResponse : GrpcResponse;

/// <summary>Unary keep-alive of an idle connection (<c>RpcClient.healthCheck</c>).</summary>
internal sealed record HealthCheckRequest : InternalRequest;

internal sealed record HealthCheckResponse : GrpcResponse;

/// <summary>Server → client probe of a connection idle ≥ 20 s; unanswered in 5 s, the server drops it.</summary>
internal sealed record ClientDetectionRequest : InternalRequest;

internal sealed record ClientDetectionResponse : GrpcResponse;

/// <summary>Server → client: reconnect, to <see cref="ServerIp"/>:<see cref="ServerPort"/> when given (the node's main port).</summary>
internal sealed record ConnectResetRequest : InternalRequest
{
    public string? ServerIp { get; init; }

    public string? ServerPort { get; init; }

    public string? ConnectionId { get; init; }
}

internal sealed record ConnectResetResponse : GrpcResponse;

/// <summary>The server's (and our) answer to a request it could not handle (<c>ErrorResponse.build</c>).</summary>
internal sealed record ErrorResponse : GrpcResponse;
