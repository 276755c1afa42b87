using System.Threading.Channels;
using NacosSync.Nacos.Grpc.Messages;

namespace NacosSync.Nacos.Grpc;

/// <summary>A server push handed to the connection's consumer, with the connection it came on.</summary>
/// <param name="Request">A <see cref="NotifySubscriberRequest"/> or a <see cref="ConfigChangeNotifyRequest"/>.</param>
internal sealed record GrpcPush(GrpcRequest Request, string ConnectionId, Uri Node);

/// <summary>What to do with one message the server sent on the stream.</summary>
/// <param name="Answer">The response to send back (its <c>requestId</c> is the push's), or null: nothing to send.</param>
/// <param name="SetupAck">The server's setup acknowledgement: the connection is registered.</param>
/// <param name="Reset">The server asked this client to reconnect (after the answer is sent).</param>
/// <param name="Refused">The push was refused: the consumer's queue is full.</param>
internal sealed record GrpcDispatch(GrpcResponse? Answer, SetupAckRequest? SetupAck = null, ConnectResetRequest? Reset = null, bool Refused = false);

/// <summary>
/// Answers the server's pushes and hands naming and config pushes to the consumer. Every push the
/// server waits for is answered with its <c>requestId</c> (<c>GrpcClient.bindRequestStream</c> sets
/// it on every response). A push that finds the consumer's queue full is refused with an
/// <see cref="ErrorResponse"/> (<c>CLIENT_ERROR</c>, what the Java client answers a push it failed to
/// handle): the server then sends it again later (naming <c>PushExecuteTask.onFail</c> re-queues it,
/// config <c>RpcConfigChangeNotifier</c> retries with growing delays), so nothing is lost and the
/// stream reader never waits for the consumer. <c>SetupAckRequest</c> is not answered: the server
/// sends it without waiting for an ack and the Java client sends none.
/// </summary>
internal sealed class GrpcPushDispatcher(ChannelWriter<GrpcPush> pushes)
{
    private long _refused;

    /// <summary>Pushes refused because the queue was full (the server sends them again).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public GrpcDispatch Handle(GrpcRequest request, string connectionId, Uri node)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = request.RequestId;
        switch (request)
        {
            case SetupAckRequest ack:
                return new GrpcDispatch(null, SetupAck: ack);
            case ClientDetectionRequest:
                return new GrpcDispatch(new ClientDetectionResponse { RequestId = id });
            case ConnectResetRequest reset:
                return new GrpcDispatch(new ConnectResetResponse { RequestId = id }, Reset: reset);
            case NotifySubscriberRequest or ConfigChangeNotifyRequest:
                if (pushes.TryWrite(new GrpcPush(request, connectionId, node)))
                {
                    return new GrpcDispatch(request is NotifySubscriberRequest
                        ? new NotifySubscriberResponse { RequestId = id }
                        : new ConfigChangeNotifyResponse { RequestId = id });
                }

                Interlocked.Increment(ref _refused);
                return new GrpcDispatch(Error(id, "client push queue is full; send it again later"), Refused: true);
            default:
                return new GrpcDispatch(Error(id, $"no handler for {request.GetType().Name}"));
        }
    }

    /// <summary>The answer to a push we could not read: an error with its request id when it had one, else nothing.</summary>
    public static GrpcResponse? AnswerUnreadable(GrpcPayloadException error) =>
        error.RequestId is null ? null : Error(error.RequestId, error.Message);

    private static ErrorResponse Error(string? requestId, string message) =>
        new() { RequestId = requestId, ResultCode = GrpcResponse.Fail, ErrorCode = NacosErrorCodes.ClientError, Message = message };
}
