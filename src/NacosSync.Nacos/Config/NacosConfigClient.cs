using NacosSync.Core.Config;
using NacosSync.Nacos.Transport;

namespace NacosSync.Nacos.Config;

/// <summary>
/// The config API of one cluster (reference §3, §5, §8): reads from one node's cache, publish with
/// <c>casMd5</c>, delete, search, the check of a node's cache, and the refresh calls sent to one node at
/// a time. Each call goes through the dialect of the cluster's version line (<see cref="NacosServerVersion.HttpApi"/>,
/// followed when the version cache's TTL expires): v1 HTTP on 1.4–2.5, v1 client + v3 admin on 3.0–3.1,
/// v3 on 3.2+. With <paramref name="grpc"/> (the registry's connections), 2.x/3.x clusters on gRPC are queried, published
/// to, removed from and proven by batch listening over gRPC (<see cref="GrpcConfigDialect"/>), the rest over that HTTP line.
/// Callers never learn which.
/// </summary>
internal sealed class NacosConfigClient(NacosTransport transport, IConfigGrpcConnections? grpc = null)
{
    private readonly V1ConfigDialect _v1 = new(transport);
    private readonly V3ConfigDialect _v3 = new(transport);
    private MixedConfigDialect? _mixed;
    private GrpcConfigDialect? _grpcV1;
    private GrpcConfigDialect? _grpcMixed;
    private GrpcConfigDialect? _grpcV3;

    public NacosTransport Transport => transport;

    /// <summary>The config as the cluster's preferred node serves it; null when absent.</summary>
    public async Task<ServedConfig?> GetAsync(ConfigKey key, CancellationToken cancellationToken) =>
        await (await DialectAsync(cancellationToken)).GetAsync(null, key, cancellationToken);

    /// <summary>The config as <paramref name="node"/> serves it from its own cache; null when absent.</summary>
    public async Task<ServedConfig?> GetFromNodeAsync(Uri node, ConfigKey key, CancellationToken cancellationToken) =>
        await (await DialectAsync(cancellationToken)).GetAsync(node, key, cancellationToken);

    /// <summary>
    /// Publishes a config. With <paramref name="casMd5"/> the server refuses when its md5 differs
    /// (a concurrent edit), reported as <see cref="ConfigCasConflictException"/>.
    /// </summary>
    public async Task PublishAsync(ConfigRow row, string? casMd5, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        var dialect = await DialectAsync(cancellationToken);
        try
        {
            await dialect.PublishAsync(row, casMd5, cancellationToken);
        }
        catch (NacosRejectedException ex) when (casMd5 is not null && ex.ServerMessage.Contains("Cas publish fail", StringComparison.OrdinalIgnoreCase))
        {
            // v1: HTTP 500 "caused: Cas publish fail, ..."; v3: HTTP 500 Result {code 20005, data "Cas publish fail, ..."} (ConfigOperationService);
            // gRPC: ConfigPublishResponse resultCode 500 "Cas publish fail,server md5 may have changed." (ConfigPublishRequestHandler).
            throw new ConfigCasConflictException($"{row.Key}: changed in the target since it was read (casMd5 {casMd5})");
        }
    }

    /// <summary>Deletes a config; the server removes it from every node's cache itself.</summary>
    public async Task DeleteAsync(ConfigKey key, CancellationToken cancellationToken) =>
        await (await DialectAsync(cancellationToken)).DeleteAsync(key, cancellationToken);

    /// <summary>
    /// Every config of a tenant through the search API, streamed page by page (pages of
    /// <paramref name="pageSize"/>, until <c>totalCount</c>): only one page is held at a time. A page
    /// that comes back short before <c>totalCount</c> is reached is a partial read and throws
    /// <see cref="ConfigPartialReadException"/>, never taken as the end: a caller that deletes what it
    /// did not see must not believe a truncated listing.
    /// </summary>
    public async IAsyncEnumerable<SearchedConfig> SearchTenantAsync(string tenant, int pageSize, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var dialect = await DialectAsync(cancellationToken);
        await foreach (var config in dialect.SearchTenantAsync(tenant, pageSize, cancellationToken))
        {
            yield return config;
        }
    }

    /// <summary>
    /// Asks one node which of <paramref name="expected"/> it serves with another md5 (an md5 of <c>""</c>
    /// asks that the key be absent), comparing with that node's own cache and addressing each key's tenant
    /// literally (so a 2.x <c>public</c> tenant is the one written, reference §3). On gRPC this is one
    /// <c>ConfigBatchListenRequest</c> to that node (<see cref="GrpcConfigDialect.StaleOnNodeAsync"/>). Over HTTP up to 3.1
    /// it is the config listener's short poll (one request; the answer is read from the <c>Probe-Modify-Response-New</c>
    /// header and the body, reference §2 <c>ConfigServletInner.doPollingConfig</c>); 3.2+ has no HTTP listener,
    /// so each key is read from the node.
    /// </summary>
    /// <returns>The keys the node serves differently.</returns>
    public async Task<HashSet<ConfigKey>> StaleOnNodeAsync(Uri node, IReadOnlyCollection<(ConfigKey Key, string Md5)> expected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expected);
        return await (await DialectAsync(cancellationToken)).StaleOnNodeAsync(node, expected, cancellationToken);
    }

    /// <summary>
    /// The nodes of the cluster (<c>/v1/core/cluster/nodes</c>; 3.x <c>/v3/admin/core/cluster/node/list</c>),
    /// as base addresses with the scheme of the configured servers; nodes reported DOWN are left out.
    /// </summary>
    public async Task<IReadOnlyList<Uri>> ClusterNodesAsync(CancellationToken cancellationToken) =>
        await (await DialectAsync(cancellationToken)).ClusterNodesAsync(cancellationToken);

    /// <summary>Asks one node to re-read every formal config row (async on the server; does not drop deleted keys).</summary>
    /// <param name="version">The version the caller planned the refresh for; its line picks the path.</param>
    public async Task RefreshLocalCacheAsync(Uri node, NacosServerVersion version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(version);
        await For(version).RefreshLocalCacheAsync(node, cancellationToken);
    }

    /// <summary>Asks one node (≤2.2.0) to re-read one key from the database.</summary>
    public async Task DataChangeAsync(Uri node, ConfigKey key, CancellationToken cancellationToken) =>
        await (await DialectAsync(cancellationToken)).DataChangeAsync(node, key, cancellationToken);

    /// <summary>The dialect of the cluster's line, from its (cached) version.</summary>
    private async Task<IConfigDialect> DialectAsync(CancellationToken cancellationToken) => For(await transport.GetServerVersionAsync(cancellationToken));

    private IConfigDialect For(NacosServerVersion version)
    {
        IConfigDialect http = version.HttpApi switch
        {
            NacosHttpApi.V1 => _v1,
            NacosHttpApi.V1ClientV3Admin => _mixed ??= new MixedConfigDialect(_v1, _v3),
            _ => _v3,
        };
        if (grpc is null || version.Major < 2)
        {
            return http;
        }

        return version.HttpApi switch
        {
            NacosHttpApi.V1 => _grpcV1 ??= new GrpcConfigDialect(grpc, http),
            NacosHttpApi.V1ClientV3Admin => _grpcMixed ??= new GrpcConfigDialect(grpc, http),
            _ => _grpcV3 ??= new GrpcConfigDialect(grpc, http),
        };
    }
}
