using System.Runtime.CompilerServices;
using NacosSync.Core.Config;
using NacosSync.Nacos.Grpc;
using NacosSync.Nacos.Grpc.Messages;
using NacosSync.Nacos.Transport;

namespace NacosSync.Nacos.Config;

/// <summary>
/// Config over gRPC (reference §9; alibaba/nacos <c>config/.../server/remote/</c> handlers), in front of the HTTP
/// dialect of the cluster's line: query, publish and remove on the cluster's connection, the check of a node's cache
/// by batch listening on a connection held to that node. Search, the node list and the cache refreshes have no gRPC
/// request and stay on HTTP; so does anything whose connection the registry does not give (the cluster on HTTP).
/// Keys are addressed with their tenant as written: a 2.x handler takes the tenant literally, a 3.x one maps only a
/// blank tenant to <c>public</c> (<c>NamespaceUtil.processNamespaceParameter</c>).
/// </summary>
internal sealed class GrpcConfigDialect(IConfigGrpcConnections grpc, IConfigDialect http) : IConfigDialect
{
    /// <summary><c>ConfigQueryResponse.CONFIG_QUERY_CONFLICT</c>: "requested file is being modified, please try later".</summary>
    internal const int QueryConflict = 400;

    private const int QueryAttempts = 3;

    /// <summary>
    /// <c>ConfigQueryRequestHandler</c> (the node's cache, through its query chain): errorCode 300 = not found, 400 = being
    /// dumped right now (asked again after a short pause, as <c>ClientWorker</c> retries later).
    /// </summary>
    public async Task<ServedConfig?> GetAsync(Uri? node, ConfigKey key, CancellationToken cancellationToken)
    {
        var connection = node is null ? await grpc.ClusterAsync(cancellationToken) : await grpc.NodeAsync(node, cancellationToken);
        if (connection is null)
        {
            return await http.GetAsync(node, key, cancellationToken);
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var answer = await connection.RequestAsync<ConfigQueryResponse>(
                    new ConfigQueryRequest { DataId = key.DataId, Group = key.Group, Tenant = key.Tenant }, cancellationToken);
                if (answer.IsNotFound || answer.Content is null)
                {
                    return null;
                }

                var md5 = string.IsNullOrEmpty(answer.Md5) ? ConfigMd5.Of(answer.Content) : answer.Md5.ToLowerInvariant();
                return new ServedConfig(answer.Content, md5, string.IsNullOrEmpty(answer.ContentType) ? null : answer.ContentType);
            }
            catch (NacosRejectedException ex) when (ex.StatusCode == QueryConflict && attempt < QueryAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken);
            }
        }
    }

    /// <summary>
    /// <c>ConfigPublishRequestHandler</c>: content and <c>casMd5</c> in the request, the rest in <c>additionMap</c> under the
    /// names it reads (<c>type</c>, <c>appName</c>, <c>desc</c>, <c>config_tags</c>, <c>encryptedDataKey</c>). A failed compare
    /// answers resultCode 500 "Cas publish fail, server md5 may have changed." (2.x without the space after the comma),
    /// which the facade turns into <see cref="ConfigCasConflictException"/>.
    /// </summary>
    public async Task PublishAsync(ConfigRow row, string? casMd5, CancellationToken cancellationToken)
    {
        if (await grpc.ClusterAsync(cancellationToken) is not { } connection)
        {
            await http.PublishAsync(row, casMd5, cancellationToken);
            return;
        }

        await connection.RequestAsync<ConfigPublishResponse>(PublishRequest(row, casMd5), cancellationToken);
    }

    /// <summary><c>ConfigRemoveRequestHandler</c>: removed from the database and, by the server, from every node's cache.</summary>
    public async Task DeleteAsync(ConfigKey key, CancellationToken cancellationToken)
    {
        if (await grpc.ClusterAsync(cancellationToken) is not { } connection)
        {
            await http.DeleteAsync(key, cancellationToken);
            return;
        }

        await connection.RequestAsync<ConfigRemoveResponse>(new ConfigRemoveRequest { DataId = key.DataId, Group = key.Group, Tenant = key.Tenant }, cancellationToken);
    }

    public async IAsyncEnumerable<SearchedConfig> SearchTenantAsync(string tenant, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var config in http.SearchTenantAsync(tenant, pageSize, cancellationToken))
        {
            yield return config;
        }
    }

    /// <summary>
    /// One <c>ConfigBatchListenRequest</c> to the node with each key's <b>expected</b> md5 (<c>""</c> = absent). Its handler
    /// (<c>ConfigChangeBatchListenRequestHandler</c>) answers in <c>changedConfigs</c> every key for which
    /// <c>ConfigCacheService.isUptodate(groupKey, md5, ...)</c> is false, i.e. the node's cached md5 differs from the one sent
    /// (an absent key has md5 <c>Constants.NULL</c> = <c>""</c>): so a key is proven exactly when it is <b>not</b> in the answer.
    /// The handler also registers the keys as listened on this connection; a second request with <c>listen:false</c> removes
    /// them (<c>ConfigChangeListenContext.removeListen</c>) so the node pushes nothing later, and pushes that came in between
    /// are drained. A batch the node refuses (its parameter check covers every context: one key Nacos's API would not accept
    /// fails all of them) is checked by the HTTP dialect instead.
    /// </summary>
    public async Task<HashSet<ConfigKey>> StaleOnNodeAsync(Uri node, IReadOnlyCollection<(ConfigKey Key, string Md5)> expected, CancellationToken cancellationToken)
    {
        if (await grpc.NodeAsync(node, cancellationToken) is not { } connection)
        {
            return await http.StaleOnNodeAsync(node, expected, cancellationToken);
        }

        var contexts = expected.Select(e => new ConfigListenContext(e.Key.DataId, e.Key.Group, e.Key.Tenant, e.Md5)).ToList();
        ConfigChangeBatchListenResponse answer;
        try
        {
            answer = await connection.RequestAsync<ConfigChangeBatchListenResponse>(new ConfigBatchListenRequest { ConfigListenContexts = contexts }, cancellationToken);
        }
        catch (NacosRejectedException ex) when (!ex.IsServerError && ex.StatusCode != NacosErrorCodes.NoRight)
        {
            return await http.StaleOnNodeAsync(node, expected, cancellationToken);
        }

        await UnlistenAsync(connection, contexts, cancellationToken);
        var byWire = expected.GroupBy(e => (e.Key.DataId, e.Key.Group, e.Key.Tenant)).ToDictionary(g => g.Key, g => g.First().Key);
        var stale = new HashSet<ConfigKey>();
        foreach (var changed in answer.ChangedConfigs)
        {
            if (byWire.TryGetValue((changed.DataId ?? "", changed.Group ?? "", changed.Tenant ?? ""), out var key))
            {
                stale.Add(key);
            }
        }

        return stale;
    }

    public Task<IReadOnlyList<Uri>> ClusterNodesAsync(CancellationToken cancellationToken) => http.ClusterNodesAsync(cancellationToken);

    public Task RefreshLocalCacheAsync(Uri node, CancellationToken cancellationToken) => http.RefreshLocalCacheAsync(node, cancellationToken);

    public Task DataChangeAsync(Uri node, ConfigKey key, CancellationToken cancellationToken) => http.DataChangeAsync(node, key, cancellationToken);

    internal static ConfigPublishRequest PublishRequest(ConfigRow row, string? casMd5)
    {
        var a = row.Attributes;
        var addition = new Dictionary<string, string>(StringComparer.Ordinal);
        AddIf(addition, "type", a.Type);
        AddIf(addition, "appName", a.AppName);
        AddIf(addition, "desc", a.Description);
        AddIf(addition, "config_tags", a.Tags);
        AddIf(addition, "encryptedDataKey", a.EncryptedDataKey);
        return new ConfigPublishRequest
        {
            DataId = row.Key.DataId, Group = row.Key.Group, Tenant = row.Key.Tenant, Content = row.Content, CasMd5 = casMd5, AdditionMap = addition,
        };
    }

    /// <summary>Best effort: a listener left behind costs the node a push that <see cref="Drain"/> throws away.</summary>
    private static async Task UnlistenAsync(NacosGrpcConnection connection, List<ConfigListenContext> contexts, CancellationToken cancellationToken)
    {
        try
        {
            await connection.RequestAsync<ConfigChangeBatchListenResponse>(new ConfigBatchListenRequest { Listen = false, ConfigListenContexts = contexts }, cancellationToken);
        }
        catch (NacosException)
        {
            // The answer was had; a reconnect drops the listeners anyway.
        }
        finally
        {
            Drain(connection);
        }
    }

    /// <summary>Nobody waits for pushes on a proof connection: read and drop them, so its queue never fills.</summary>
    private static void Drain(NacosGrpcConnection connection)
    {
        while (connection.Pushes.TryRead(out _))
        {
        }
    }

    private static void AddIf(Dictionary<string, string> map, string name, string value)
    {
        if (value.Length > 0)
        {
            map[name] = value;
        }
    }
}
