using NacosSync.Nacos.Grpc.Messages;
using NacosSync.Nacos.Protocol;

namespace NacosSync.Nacos.Grpc;

/// <summary>Why a session ended: its stream ended or failed, a check failed, or the server asked for a reset.</summary>
internal sealed record GrpcSessionLoss(string Reason, Exception? Error = null, ConnectResetRequest? Reset = null);

/// <summary>
/// One registered connection to one node: an HTTP/2 connection with its connection id, its
/// bi-stream (read by the session itself, pushes answered there) and unary calls on the same
/// HTTP/2 connection, since the server binds the id to the transport connection.
/// </summary>
internal interface IGrpcSession : IAsyncDisposable
{
    string ConnectionId { get; }

    int NodeIndex { get; }

    Uri Node { get; }

    /// <summary>The server's abilities from its setup ack (empty before 2.3).</summary>
    IReadOnlyDictionary<string, bool> ServerAbilities { get; }

    /// <summary>Completes when the session is lost; never faults.</summary>
    Task<GrpcSessionLoss> Lost { get; }

    /// <summary>Marks the session lost (a health check or an <c>UN_REGISTER</c> answer showed it is dead).</summary>
    void ReportLost(GrpcSessionLoss loss);

    /// <summary>One unary call with a deadline of <paramref name="timeout"/>.</summary>
    Task<Payload> UnaryAsync(Payload request, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>Opens a session to a node: server check, bi-stream, setup, setup ack.</summary>
internal interface IGrpcSessionOpener
{
    Task<IGrpcSession> OpenAsync(int nodeIndex, CancellationToken cancellationToken);
}
