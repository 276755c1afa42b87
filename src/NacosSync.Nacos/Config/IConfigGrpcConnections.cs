using NacosSync.Nacos.Grpc;

namespace NacosSync.Nacos.Config;

/// <summary>
/// Where <see cref="NacosConfigClient"/> finds its cluster's gRPC config connections (the cluster registry's,
/// one per purpose): null from either means the cluster, or that node, is spoken to over HTTP.
/// </summary>
internal interface IConfigGrpcConnections
{
    /// <summary>The connection for query, publish and remove, to any node (failover).</summary>
    Task<NacosGrpcConnection?> ClusterAsync(CancellationToken cancellationToken);

    /// <summary>A connection held to <paramref name="node"/> only: what that node's cache serves, for proofs.</summary>
    Task<NacosGrpcConnection?> NodeAsync(Uri node, CancellationToken cancellationToken);
}
