using NacosSync.Core.Config;

namespace NacosSync.Nacos.Config;

/// <summary>
/// Config on 3.0–3.1 (reference §8): the v1 client APIs still answer (get, publish, delete, the
/// listener), while the v1 search, <c>localCache</c> and cluster node list answer 410: those go to v3 admin.
/// </summary>
internal sealed class MixedConfigDialect(V1ConfigDialect client, V3ConfigDialect admin) : IConfigDialect
{
    public Task<ServedConfig?> GetAsync(Uri? node, ConfigKey key, CancellationToken cancellationToken) => client.GetAsync(node, key, cancellationToken);

    public Task PublishAsync(ConfigRow row, string? casMd5, CancellationToken cancellationToken) => client.PublishAsync(row, casMd5, cancellationToken);

    public Task DeleteAsync(ConfigKey key, CancellationToken cancellationToken) => client.DeleteAsync(key, cancellationToken);

    public IAsyncEnumerable<SearchedConfig> SearchTenantAsync(string tenant, int pageSize, CancellationToken cancellationToken) =>
        admin.SearchTenantAsync(tenant, pageSize, cancellationToken);

    public Task<HashSet<ConfigKey>> StaleOnNodeAsync(Uri node, IReadOnlyCollection<(ConfigKey Key, string Md5)> expected, CancellationToken cancellationToken) =>
        client.StaleOnNodeAsync(node, expected, cancellationToken);

    public Task<IReadOnlyList<Uri>> ClusterNodesAsync(CancellationToken cancellationToken) => admin.ClusterNodesAsync(cancellationToken);

    public Task RefreshLocalCacheAsync(Uri node, CancellationToken cancellationToken) => admin.RefreshLocalCacheAsync(node, cancellationToken);

    public Task DataChangeAsync(Uri node, ConfigKey key, CancellationToken cancellationToken) => admin.DataChangeAsync(node, key, cancellationToken);
}
