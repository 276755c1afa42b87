using Microsoft.Extensions.Logging;

namespace NacosSync.Nacos.Grpc;

/// <summary>Log messages of the gRPC connection: event ids 4200–4249.</summary>
internal static partial class GrpcLog
{
    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Nacos cluster {Cluster}: gRPC connection {ConnectionId} to {Node} ready ({Module})")]
    public static partial void Connected(ILogger logger, string cluster, Uri node, string connectionId, string module);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "Nacos cluster {Cluster}: gRPC connection {ConnectionId} to {Node} lost: {Reason}")]
    public static partial void Lost(ILogger logger, string cluster, Uri node, string connectionId, string reason);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Warning, Message = "Nacos cluster {Cluster}: gRPC connect to {Node} failed: {Error}")]
    public static partial void ConnectFailed(ILogger logger, string cluster, Uri node, string error);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Debug, Message = "Nacos cluster {Cluster}: gRPC connect to {Node} failed (attempt {Attempt}): {Error}")]
    public static partial void ConnectStillFailing(ILogger logger, string cluster, Uri node, int attempt, string error);

    [LoggerMessage(EventId = 4205, Level = LogLevel.Warning, Message = "Nacos cluster {Cluster}: refused a {Type} push on {ConnectionId}: the push queue is full ({Refused} refused so far); the server sends it again")]
    public static partial void PushRefused(ILogger logger, string cluster, string type, string connectionId, long refused);

    [LoggerMessage(EventId = 4206, Level = LogLevel.Warning, Message = "Nacos cluster {Cluster}: unreadable {Type} from {Node} on {ConnectionId}: {Error}")]
    public static partial void Unreadable(ILogger logger, string cluster, string type, Uri node, string connectionId, string error);

    [LoggerMessage(EventId = 4207, Level = LogLevel.Information, Message = "Nacos cluster {Cluster}: server {Node} asked connection {ConnectionId} to reconnect (to '{ServerIp}:{ServerPort}')")]
    public static partial void ResetRequested(ILogger logger, string cluster, Uri node, string connectionId, string? serverIp, string? serverPort);

    [LoggerMessage(EventId = 4208, Level = LogLevel.Error, Message = "Nacos cluster {Cluster}: a Reconnected handler failed")]
    public static partial void ReconnectedHandlerFailed(ILogger logger, string cluster, Exception exception);

    [LoggerMessage(EventId = 4209, Level = LogLevel.Debug, Message = "Nacos cluster {Cluster}: ignored a {Type} on the stream of {ConnectionId}")]
    public static partial void Ignored(ILogger logger, string cluster, string type, string connectionId);

    [LoggerMessage(EventId = 4210, Level = LogLevel.Error, Message = "Nacos cluster {Cluster}: gRPC connection supervisor failed; it starts over")]
    public static partial void SupervisorFailed(ILogger logger, string cluster, Exception exception);
}
