namespace NacosSync.Nacos.Transport;

/// <summary>The base of every error the Nacos client raises; callers treat any of them as "this call failed".</summary>
internal abstract class NacosException : Exception
{
    protected NacosException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>No node of the cluster answered (connection refused, reset, timed out, or the circuit is open).</summary>
internal sealed class NacosUnreachableException(string message, Exception? innerException = null)
    : NacosException(message, innerException);

/// <summary>
/// Login failed, or the server answered 401/403 even with a fresh token. The message names the
/// cluster and the credential that is missing or refused (<see cref="NacosAuthErrors"/>).
/// </summary>
internal sealed class NacosUnauthorizedException(string message, int statusCode, Exception? innerException = null)
    : NacosException(message, innerException)
{
    public int StatusCode { get; } = statusCode;

    /// <summary>What the server said, when it said something.</summary>
    public string ServerMessage { get; init; } = "";

    /// <summary>The login itself was refused: the credentials are wrong, not the token.</summary>
    public bool LoginRefused { get; init; }
}

/// <summary>The server answered and refused the request; <see cref="ServerMessage"/> is what it said.</summary>
internal sealed class NacosRejectedException(string message, int statusCode, string serverMessage)
    : NacosException(message)
{
    public int StatusCode { get; } = statusCode;

    public string ServerMessage { get; } = serverMessage;

    /// <summary>A 5xx: the node could not serve the request (worth trying another node).</summary>
    public bool IsServerError => StatusCode >= 500;
}

/// <summary>The server answered 2xx with a body we could not parse.</summary>
internal sealed class NacosMalformedResponseException(string message, Exception? innerException = null)
    : NacosException(message, innerException);

/// <summary>
/// The server version of <see cref="Cluster"/> could not be read (no answer, a refusal, or an answer
/// without a version). Which API to call and which tenant is the public namespace depend on it, so
/// the caller fails its run rather than guess.
/// </summary>
internal sealed class NacosVersionUnknownException(string cluster, string message, Exception? innerException = null)
    : NacosException(message, innerException)
{
    /// <summary>The cluster's key in the configuration.</summary>
    public string Cluster { get; } = cluster;
}

/// <summary>A cluster set to <c>Transport: Grpc</c> cannot be spoken to over gRPC (1.4, or no node's gRPC port answers); the message names the cluster and why.</summary>
internal sealed class NacosGrpcUnavailableException(string message, Exception? innerException = null)
    : NacosException(message, innerException);
