using Microsoft.Extensions.Logging;

namespace NacosSync.Sandbox.Hosting;

/// <summary>Sandbox log events (ids 9001–9099). Quiet by default: the options' logger factory is a null one.</summary>
internal static partial class SandboxLog
{
    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Sandbox node {Index} listening on {Address} ({Version})")]
    public static partial void NodeStarted(ILogger logger, int index, string address, string version);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "Sandbox node {Index} stopped")]
    public static partial void NodeStopped(ILogger logger, int index);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Warning, Message = "Sandbox maintenance pass failed; the next one retries")]
    public static partial void MaintenanceFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 9004, Level = LogLevel.Warning, Message = "Sandbox node {Index}: localCache refresh failed")]
    public static partial void LocalCacheFailed(ILogger logger, int index, Exception exception);

    [LoggerMessage(EventId = 9005, Level = LogLevel.Warning, Message = "Sandbox node {Index}: dump-change worker wedged on {Deletes} delete history rows (2.4 behaviour) until restart")]
    public static partial void DumpWorkerWedged(ILogger logger, int index, int deletes);

    [LoggerMessage(EventId = 9006, Level = LogLevel.Debug, Message = "Sandbox node {Index}: dump-change worker refreshed {Changed} rows, removed {Removed} keys")]
    public static partial void DumpWorkerRan(ILogger logger, int index, int changed, int removed);
}
