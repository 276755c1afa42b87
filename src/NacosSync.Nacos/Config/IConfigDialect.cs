using NacosSync.Core.Config;

namespace NacosSync.Nacos.Config;

/// <summary>
/// The config calls of one version line's API, behind <see cref="NacosConfigClient"/>: v1 HTTP
/// (<see cref="V1ConfigDialect"/>), v3 HTTP (<see cref="V3ConfigDialect"/>), the 3.0–3.1 mix
/// (<see cref="MixedConfigDialect"/>); a gRPC dialect can take the same seam. Each method means what
/// the facade's method of the same name says; <c>node</c> null means the cluster (preferred node first).
/// </summary>
internal interface IConfigDialect
{
    Task<ServedConfig?> GetAsync(Uri? node, ConfigKey key, CancellationToken cancellationToken);

    Task PublishAsync(ConfigRow row, string? casMd5, CancellationToken cancellationToken);

    Task DeleteAsync(ConfigKey key, CancellationToken cancellationToken);

    IAsyncEnumerable<SearchedConfig> SearchTenantAsync(string tenant, int pageSize, CancellationToken cancellationToken);

    Task<HashSet<ConfigKey>> StaleOnNodeAsync(Uri node, IReadOnlyCollection<(ConfigKey Key, string Md5)> expected, CancellationToken cancellationToken);

    Task<IReadOnlyList<Uri>> ClusterNodesAsync(CancellationToken cancellationToken);

    Task RefreshLocalCacheAsync(Uri node, CancellationToken cancellationToken);

    Task DataChangeAsync(Uri node, ConfigKey key, CancellationToken cancellationToken);
}
