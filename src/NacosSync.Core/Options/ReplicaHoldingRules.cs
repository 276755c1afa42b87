namespace NacosSync.Core.Options;

/// <summary>
/// What <see cref="ReplicaHolding.Connection"/> needs that the configuration alone can tell: ephemeral replicas and a
/// target that may be spoken to over gRPC. The target's version (2.x/3.x) and whether its gRPC port answers are known
/// only at run time: a run on a target that resolves to HTTP fails, naming the same key.
/// </summary>
public static class ReplicaHoldingRules
{
    /// <summary>The message a run fails with when a Connection task's target turns out to be spoken to over HTTP.</summary>
    public static string NeedsGrpc(string task, string targetCluster, string why) =>
        $"Tasks:{task}:Naming:ReplicaHolding is Connection, but target cluster '{targetCluster}' is spoken to over HTTP ({why}); "
        + "Connection needs Nacos 2.x/3.x with its gRPC port open (Clusters:" + targetCluster + ":Transport Auto or Grpc, GrpcPortOffset); "
        + "set ReplicaHolding to Heartbeat for this target";

    /// <summary>Errors for one task's replica holding, each naming its key.</summary>
    public static IEnumerable<string> Errors(string prefix, SyncTaskOptions task, NacosSyncOptions options)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(options);
        var naming = task.Naming;
        if (!Enum.IsDefined(naming.ReplicaHolding))
        {
            yield return $"{prefix}:Naming:ReplicaHolding: '{naming.ReplicaHolding}' is not one of Heartbeat, Connection (default Heartbeat)";
            yield break;
        }

        if (naming.ReplicaHolding != ReplicaHolding.Connection || !naming.Enabled)
        {
            yield break;
        }

        if (naming.ReplicaMode != ReplicaMode.Ephemeral)
        {
            yield return $"{prefix}:Naming:ReplicaHolding: Connection holds ephemeral replicas on a gRPC connection, but Naming:ReplicaMode is "
                + $"{naming.ReplicaMode} (persistent replicas are written over HTTP and need no holding); set ReplicaHolding to Heartbeat or ReplicaMode to Ephemeral";
        }

        if (options.Clusters.TryGetValue(task.Target, out var target) && target.Transport == ClusterTransport.Http)
        {
            yield return $"{prefix}:Naming:ReplicaHolding: Connection needs the target spoken to over gRPC, but Clusters:{task.Target}:Transport is Http; "
                + "set the transport to Auto or Grpc, or ReplicaHolding to Heartbeat";
        }
    }
}
