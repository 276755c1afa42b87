using Microsoft.Extensions.Logging;

namespace NacosSync.Sandbox.Grpc;

/// <summary>Sandbox gRPC log events (ids 9101–9199).</summary>
internal static partial class SandboxGrpcLog
{
    [LoggerMessage(EventId = 9101, Level = LogLevel.Information, Message = "Sandbox node {Index}: gRPC listening on {Host}:{Port}")]
    public static partial void GrpcStarted(ILogger logger, int index, string host, int port);

    [LoggerMessage(EventId = 9102, Level = LogLevel.Debug, Message = "Sandbox node {Index}: connection {ConnectionId} set up (client {ClientVersion})")]
    public static partial void ConnectionRegistered(ILogger logger, int index, string connectionId, string clientVersion);

    [LoggerMessage(EventId = 9103, Level = LogLevel.Debug, Message = "Sandbox node {Index}: connection {ConnectionId} unregistered; {Services} services lost its instances")]
    public static partial void ConnectionUnregistered(ILogger logger, int index, string connectionId, int services);

    [LoggerMessage(EventId = 9104, Level = LogLevel.Information, Message = "Sandbox node {Index}: connection {ConnectionId} did not answer ClientDetectionRequest; dropped")]
    public static partial void ConnectionEjected(ILogger logger, int index, string connectionId);

    [LoggerMessage(EventId = 9105, Level = LogLevel.Debug, Message = "Sandbox node {Index}: ignored bi-stream payload {Type}: {Reason}")]
    public static partial void BadStreamPayload(ILogger logger, int index, string type, string reason);
}
