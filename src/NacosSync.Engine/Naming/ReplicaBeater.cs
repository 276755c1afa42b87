using Microsoft.Extensions.Logging;
using NacosSync.Core.Naming;
using NacosSync.Engine.Clusters;
using NacosSync.Engine.Telemetry;
using NacosSync.Nacos.Naming;
using NacosSync.Nacos.Transport;

namespace NacosSync.Engine.Naming;

/// <summary>What one beat did; the <c>outcome</c> label of <c>nacossync_heartbeats_total</c>.</summary>
internal enum BeatResult
{
    /// <summary>The target knew the replica and renewed it.</summary>
    Ok,

    /// <summary>The target did not know it (20404) and the replica is still kept: registered again.</summary>
    Reregistered,

    /// <summary>An unhealthy replica, renewed by registering it unhealthy (a beat would make it healthy).</summary>
    RegisteredUnhealthy,

    /// <summary>The target did not know it and it is no longer kept (removed here or by another process): left gone.</summary>
    Dropped,

    /// <summary>The beat or re-registration failed.</summary>
    Failed,
}

/// <summary>
/// Sends one replica's beat. Every beat is light (ip, port, cluster): a full beat re-registers an unknown
/// instance on the server's side, which would bring back a replica another process has just removed. A
/// 20404 answer re-registers the replica (with every attribute) only if it is still kept once the beat has
/// returned: a removal made meanwhile, here or by another process, is final.
/// </summary>
internal sealed partial class ReplicaBeater(ClusterRegistry clients, BeatFailureLog failures, ILogger logger, SyncMetrics? metrics)
{
    public static string Label(BeatResult result) => result switch
    {
        BeatResult.Ok => "ok",
        BeatResult.Reregistered => "reregistered",
        BeatResult.RegisteredUnhealthy => "registered_unhealthy",
        BeatResult.Dropped => "dropped",
        _ => "failed",
    };

    /// <param name="stillKept">Asked after a 20404: whether the replica is still kept (this process and the run-state store).</param>
    public async Task<BeatResult> BeatAsync(KeptReplica entry, Func<KeptReplica, CancellationToken, Task<bool>> stillKept, CancellationToken cancellationToken)
    {
        NamingInstance replica;
        string cluster;
        lock (entry)
        {
            replica = entry.Replica;
            cluster = entry.TargetCluster;
        }

        var result = BeatResult.Failed;
        try
        {
            var client = clients.Naming(cluster);
            if (!replica.Healthy)
            {
                // Registration sets health; a beat would make it healthy. Re-registering keeps it present and unhealthy.
                await client.RegisterAsync(replica, cancellationToken);
                result = BeatResult.RegisteredUnhealthy;
            }
            else if (await client.BeatAsync(replica, light: true, cancellationToken) == BeatOutcome.Ok)
            {
                result = BeatResult.Ok;
            }
            else if (await stillKept(entry, cancellationToken))
            {
                await client.RegisterAsync(replica, cancellationToken);
                result = BeatResult.Reregistered;
                LogReregistered(logger, entry.Id.Task, replica.Key);
            }
            else
            {
                result = BeatResult.Dropped;
                LogDropped(logger, entry.Id.Task, replica.Key);
            }

            failures.Succeeded(entry.Id, cluster);
        }
        catch (NacosException ex)
        {
            failures.Failed(entry.Id, cluster, ex.Message);
        }
        finally
        {
            metrics?.HeartbeatsSent.Add(1, new KeyValuePair<string, object?>("task", entry.Id.Task), new KeyValuePair<string, object?>("outcome", Label(result)));
        }

        return result;
    }

    [LoggerMessage(EventId = 4152, Level = LogLevel.Information, Message = "Task {Task}: {Replica} was unknown to the target (20404); registered again")]
    private static partial void LogReregistered(ILogger logger, string task, InstanceKey replica);

    [LoggerMessage(EventId = 4154, Level = LogLevel.Information, Message = "Task {Task}: {Replica} was unknown to the target (20404) and is no longer kept (removed here or by another process); not registered again")]
    private static partial void LogDropped(ILogger logger, string task, InstanceKey replica);
}
