using System.Runtime.CompilerServices;
using System.Text.Json;
using NacosSync.Core.Config;
using NacosSync.Nacos.Transport;
using static NacosSync.Nacos.Config.V1ConfigDialect;

namespace NacosSync.Nacos.Config;

/// <summary>
/// Config over the v3 HTTP API (reference §8; read from alibaba/nacos 3.x
/// <c>config/.../controller/v3/ConfigOpenApiController.java</c> (<c>/v3/client/cs/config</c>),
/// <c>ConfigControllerV3</c> (<c>/v3/admin/cs/config</c>), <c>ConfigOpsControllerV3</c> and
/// <c>core/.../controller/v3/NacosClusterControllerV3.java</c>). Parameters follow <c>ConfigFormV3</c>:
/// <c>dataId</c>, <c>groupName</c>, <c>namespaceId</c> (blank is <c>public</c>), <c>configTags</c>. There is no HTTP
/// listener on 3.2+: a node's cache is checked key by key with the client read, which is served from
/// that node's cache as v1's was.
/// </summary>
internal sealed class V3ConfigDialect(NacosTransport transport) : IConfigDialect
{
    private const string ClientConfigPath = "/v3/client/cs/config";
    private const string AdminConfigPath = "/v3/admin/cs/config";

    /// <summary><c>ErrorCode.RESOURCE_NOT_FOUND</c>: the client read's "no such config" (a Result with HTTP 200).</summary>
    internal const int ResourceNotFound = 20004;

    /// <summary><c>GET /v3/client/cs/config</c> → <c>Result&lt;ConfigQueryResponse&gt;</c> {content, md5, contentType, encryptedDataKey, lastModified}.</summary>
    public async Task<ServedConfig?> GetAsync(Uri? node, ConfigKey key, CancellationToken cancellationToken)
    {
        var request = NacosRequest.Get(ClientConfigPath, Addressed(key));
        NacosResponse response;
        try
        {
            response = node is null ? await transport.SendAsync(request, cancellationToken) : await transport.SendToNodeAsync(node, request, cancellationToken);
        }
        catch (NacosRejectedException ex) when (ex.StatusCode == 404 && ex.ServerMessage.Contains("not found", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        using var result = NacosAnswers.ParseResult(response, $"{transport.Name}: config {key}");
        if (result.Code == ResourceNotFound)
        {
            return null;
        }

        var data = result.EnsureSuccess($"{transport.Name}: config {key}").Data;
        if (data.ValueKind != JsonValueKind.Object || !data.TryGetProperty("content", out var c) || c.ValueKind != JsonValueKind.String)
        {
            throw new NacosMalformedResponseException($"{transport.Name}: config {key}: no content in {NacosAnswers.Truncate(response.Body)}");
        }

        var content = c.GetString()!;
        var md5 = Str(data, "md5");
        var type = Str(data, "contentType");
        return new ServedConfig(content, md5.Length == 0 ? ConfigMd5.Of(content) : md5.ToLowerInvariant(), type.Length == 0 ? null : type);
    }

    /// <summary><c>POST /v3/admin/cs/config</c> (header <c>casMd5</c> honoured) → <c>Result&lt;Boolean&gt;</c>.</summary>
    public async Task PublishAsync(ConfigRow row, string? casMd5, CancellationToken cancellationToken)
    {
        var parameters = new List<KeyValuePair<string, string>>(Addressed(row.Key)) { P("content", row.Content) };
        var a = row.Attributes;
        AddIf(parameters, "type", a.Type);
        AddIf(parameters, "appName", a.AppName);
        AddIf(parameters, "desc", a.Description);
        AddIf(parameters, "configTags", a.Tags);
        AddIf(parameters, "encryptedDataKey", a.EncryptedDataKey);
        var request = new NacosRequest(HttpMethod.Post, AdminConfigPath, parameters, Idempotent: casMd5 is null);
        if (casMd5 is not null)
        {
            request = request with { Headers = [P("casMd5", casMd5)] };
        }

        await SendTrueAsync(request, $"publish {row.Key}", cancellationToken);
    }

    /// <summary><c>DELETE /v3/admin/cs/config</c> → <c>Result&lt;Boolean&gt;</c>.</summary>
    public async Task DeleteAsync(ConfigKey key, CancellationToken cancellationToken) =>
        await SendTrueAsync(NacosRequest.Delete(AdminConfigPath, idempotent: true, Addressed(key)), $"delete {key}", cancellationToken);

    /// <summary>
    /// <c>GET /v3/admin/cs/config/list?search=accurate</c> → <c>Result&lt;Page&lt;ConfigBasicInfo&gt;&gt;</c>, page by page until
    /// <c>totalCount</c>. <c>ConfigBasicInfo</c> has no content: each entry's content is read with the admin get
    /// (<c>Result&lt;ConfigDetailInfo&gt;</c>, from the database, as the v1 search answered).
    /// </summary>
    public async IAsyncEnumerable<SearchedConfig> SearchTenantAsync(string tenant, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long seen = 0;
        for (var page = 1; ; page++)
        {
            var response = await transport.SendAsync(NacosRequest.Get(AdminConfigPath + "/list", P("search", "accurate"), P("dataId", ""), P("groupName", ""),
                P("namespaceId", tenant), P("pageNo", Number(page)), P("pageSize", Number(pageSize))), cancellationToken);
            List<(ConfigKey Key, string AppName, string Type)> entries;
            long total;
            using (var result = NacosAnswers.ParseResult(response, $"{transport.Name}: config list").EnsureSuccess($"{transport.Name}: config list"))
            {
                (total, entries) = ParsePage(result.Data, tenant, response.Body);
            }

            foreach (var (key, appName, type) in entries)
            {
                if (await GetDetailAsync(key, cancellationToken) is { } content)
                {
                    yield return new SearchedConfig(key, content, appName, type);
                }
            }

            seen += entries.Count;
            if (seen >= total)
            {
                yield break;
            }

            if (entries.Count < pageSize)
            {
                throw new ConfigPartialReadException(
                    $"{transport.Name}: config list of namespace '{tenant}' stopped short: page {page} held {entries.Count} of {pageSize}, {seen} of totalCount {total} read");
            }
        }
    }

    /// <summary>
    /// Reads a node serves in flight at once when proving keys one by one (3.2+ has no HTTP listener). 8: a node
    /// answers a cached config read without touching its database, so eight concurrent reads are a small share of
    /// the worker threads a Nacos node runs (Tomcat's default 200), while proving 1,000 keys no longer takes 1,000
    /// round trips in a row.
    /// </summary>
    internal const int ProofReadsInFlight = 8;

    /// <summary>
    /// No HTTP listener exists on 3.2+ (reference §8): each key is read from <paramref name="node"/>'s cache and its md5
    /// compared, <see cref="ProofReadsInFlight"/> reads at a time, when the cluster is spoken to over HTTP (on gRPC, <see cref="GrpcConfigDialect"/> batch-listens instead).
    /// </summary>
    public async Task<HashSet<ConfigKey>> StaleOnNodeAsync(Uri node, IReadOnlyCollection<(ConfigKey Key, string Md5)> expected, CancellationToken cancellationToken)
    {
        var stale = new System.Collections.Concurrent.ConcurrentBag<ConfigKey>();
        await Parallel.ForEachAsync(expected, new ParallelOptions { MaxDegreeOfParallelism = ProofReadsInFlight, CancellationToken = cancellationToken },
            async (item, ct) =>
            {
                var served = await GetAsync(node, item.Key, ct);
                if (!string.Equals(served?.Md5 ?? "", item.Md5, StringComparison.OrdinalIgnoreCase))
                {
                    stale.Add(item.Key);
                }
            });
        return [.. stale];
    }

    /// <summary><c>GET /v3/admin/core/cluster/node/list</c> → <c>Result&lt;Collection&lt;Member&gt;&gt;</c>.</summary>
    public async Task<IReadOnlyList<Uri>> ClusterNodesAsync(CancellationToken cancellationToken)
    {
        var response = await transport.SendAsync(NacosRequest.Get("/v3/admin/core/cluster/node/list"), cancellationToken);
        return Nodes(transport, response.Body);
    }

    /// <summary><c>POST /v3/admin/cs/ops/localCache</c>: that node re-reads every formal row (async on the server).</summary>
    public async Task RefreshLocalCacheAsync(Uri node, CancellationToken cancellationToken) =>
        await transport.SendToNodeAsync(node, NacosRequest.Post("/v3/admin/cs/ops/localCache", idempotent: true), cancellationToken);

    public Task DataChangeAsync(Uri node, ConfigKey key, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{transport.Name}: dataChange exists up to Nacos 2.2.0 only; 3.x refreshes with localCache");

    private async Task<string?> GetDetailAsync(ConfigKey key, CancellationToken cancellationToken)
    {
        NacosResponse response;
        try
        {
            response = await transport.SendAsync(NacosRequest.Get(AdminConfigPath, Addressed(key)), cancellationToken);
        }
        catch (NacosRejectedException ex) when (ex.StatusCode == 404)
        {
            // Deleted between the list and the read: it is not there.
            return null;
        }

        using var result = NacosAnswers.ParseResult(response, $"{transport.Name}: config {key}").EnsureSuccess($"{transport.Name}: config {key}");
        return result.Data.ValueKind == JsonValueKind.Object && result.Data.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String
            ? c.GetString()
            : throw new NacosMalformedResponseException($"{transport.Name}: config {key}: no content in {NacosAnswers.Truncate(response.Body)}");
    }

    private static (long Total, List<(ConfigKey Key, string AppName, string Type)> Entries) ParsePage(JsonElement page, string tenant, string body)
    {
        if (page.ValueKind != JsonValueKind.Object || !page.TryGetProperty("totalCount", out var t) || !t.TryGetInt64(out var total))
        {
            throw new NacosMalformedResponseException($"config list: no totalCount in {NacosAnswers.Truncate(body)}");
        }

        var entries = new List<(ConfigKey, string, string)>();
        if (page.TryGetProperty("pageItems", out var items) && items.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in items.EnumerateArray())
            {
                entries.Add((new ConfigKey(tenant, Str(item, "groupName"), Str(item, "dataId")), Str(item, "appName"), Str(item, "type")));
            }
        }

        return (total, entries);
    }

    private async Task SendTrueAsync(NacosRequest request, string what, CancellationToken cancellationToken)
    {
        var response = await transport.SendAsync(request, cancellationToken);
        using var result = NacosAnswers.ParseResult(response, $"{transport.Name}: {what}").EnsureSuccess($"{transport.Name}: {what}");
        if (result.Data.ValueKind != JsonValueKind.True)
        {
            throw new NacosRejectedException($"{transport.Name}: {what} answered {NacosAnswers.Truncate(response.Body)}", (int)response.StatusCode, response.Body);
        }
    }

    /// <summary>How every v3 config call names its config (<c>ConfigFormV3</c>).</summary>
    private static KeyValuePair<string, string>[] Addressed(ConfigKey key) =>
        [P("dataId", key.DataId), P("groupName", key.Group), P("namespaceId", key.Tenant)];
}
