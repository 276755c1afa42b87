using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using NacosSync.Core.Config;
using NacosSync.Nacos.Transport;

namespace NacosSync.Nacos.Config;

/// <summary>A config as one node serves it: content and the md5 of that content.</summary>
internal sealed record ServedConfig(string Content, string Md5, string? Type);

/// <summary>An entry of the config search API.</summary>
internal sealed record SearchedConfig(ConfigKey Key, string Content, string AppName, string Type);

/// <summary>A listing stopped before its <c>totalCount</c>: what was read is not the whole, and must not drive deletions.</summary>
internal sealed class ConfigPartialReadException(string message) : NacosException(message);

/// <summary>A publish with <c>casMd5</c> found another md5 on the server: someone edited the config meanwhile.</summary>
internal sealed class ConfigCasConflictException(string message) : Exception(message);

/// <summary>
/// The config HTTP API of one cluster (reference §3, §5): reads from one node's cache, publish
/// with <c>casMd5</c>, delete, search, and the refresh calls (<c>localCache</c>, <c>dataChange</c>,
/// the 3.0 admin path) sent to one node at a time.
/// </summary>
internal sealed class NacosConfigClient(NacosTransport transport)
{
    public NacosTransport Transport => transport;

    /// <summary>The config as the cluster's preferred node serves it; null when absent (404).</summary>
    public Task<ServedConfig?> GetAsync(ConfigKey key, CancellationToken cancellationToken) => GetCoreAsync(null, key, cancellationToken);

    /// <summary>The config as <paramref name="node"/> serves it from its own cache; null when absent.</summary>
    public Task<ServedConfig?> GetFromNodeAsync(Uri node, ConfigKey key, CancellationToken cancellationToken) => GetCoreAsync(node, key, cancellationToken);

    private async Task<ServedConfig?> GetCoreAsync(Uri? node, ConfigKey key, CancellationToken cancellationToken)
    {
        var request = NacosRequest.Get("/v1/cs/configs", P("dataId", key.DataId), P("group", key.Group), P("tenant", key.Tenant));
        try
        {
            var response = node is null
                ? await transport.SendAsync(request, cancellationToken)
                : await transport.SendToNodeAsync(node, request, cancellationToken);
            var md5 = response.Header("Content-MD5");
            return new ServedConfig(response.Body, string.IsNullOrEmpty(md5) ? ConfigMd5.Of(response.Body) : md5.ToLowerInvariant(), response.Header("Config-Type"));
        }
        catch (NacosRejectedException ex) when (ex.StatusCode == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Publishes a config. With <paramref name="casMd5"/> the server refuses when its md5 differs
    /// (a concurrent edit), reported as <see cref="ConfigCasConflictException"/>.
    /// </summary>
    public async Task PublishAsync(ConfigRow row, string? casMd5, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        var parameters = new List<KeyValuePair<string, string>>
        {
            P("dataId", row.Key.DataId), P("group", row.Key.Group), P("tenant", row.Key.Tenant), P("content", row.Content),
        };
        var a = row.Attributes;
        AddIf(parameters, "type", a.Type);
        AddIf(parameters, "appName", a.AppName);
        AddIf(parameters, "desc", a.Description);
        AddIf(parameters, "config_tags", a.Tags);
        AddIf(parameters, "encryptedDataKey", a.EncryptedDataKey);
        var request = new NacosRequest(HttpMethod.Post, "/v1/cs/configs", parameters, Idempotent: casMd5 is null);
        if (casMd5 is not null)
        {
            request = request with { Headers = [P("casMd5", casMd5)] };
        }

        try
        {
            var response = await transport.SendAsync(request, cancellationToken);
            if (!response.Body.Trim().Equals("true", StringComparison.OrdinalIgnoreCase))
            {
                throw new NacosRejectedException($"publish {row.Key} answered {NacosTransport.Truncate(response.Body)}", (int)response.StatusCode, response.Body);
            }
        }
        catch (NacosRejectedException ex) when (casMd5 is not null && ex.ServerMessage.Contains("Cas publish fail", StringComparison.OrdinalIgnoreCase))
        {
            throw new ConfigCasConflictException($"{row.Key}: changed in the target since it was read (casMd5 {casMd5})");
        }
    }

    /// <summary>Deletes a config; the server removes it from every node's cache itself.</summary>
    public async Task DeleteAsync(ConfigKey key, CancellationToken cancellationToken)
    {
        await transport.SendAsync(NacosRequest.Delete("/v1/cs/configs", idempotent: true,
            P("dataId", key.DataId), P("group", key.Group), P("tenant", key.Tenant)), cancellationToken);
    }

    /// <summary>
    /// Every config of a tenant through the search API, streamed page by page (pages of
    /// <paramref name="pageSize"/>, until <c>totalCount</c>): only one page is held at a time. A page
    /// that comes back short before <c>totalCount</c> is reached is a partial read and throws
    /// <see cref="ConfigPartialReadException"/>, never taken as the end: a caller that deletes what it
    /// did not see must not believe a truncated listing.
    /// </summary>
    public async IAsyncEnumerable<SearchedConfig> SearchTenantAsync(string tenant, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long seen = 0;
        for (var page = 1; ; page++)
        {
            var response = await transport.SendAsync(NacosRequest.Get("/v1/cs/configs", P("search", "accurate"), P("dataId", ""), P("group", ""),
                P("tenant", tenant), P("pageNo", page.ToString(CultureInfo.InvariantCulture)), P("pageSize", pageSize.ToString(CultureInfo.InvariantCulture))), cancellationToken);
            var (total, items) = ParseSearchPage(response.Body, tenant);
            seen += items.Count;
            foreach (var item in items)
            {
                yield return item;
            }

            if (seen >= total)
            {
                yield break;
            }

            if (items.Count < pageSize)
            {
                throw new ConfigPartialReadException(
                    $"{transport.Name}: config search of tenant '{tenant}' stopped short: page {page} held {items.Count} of {pageSize}, {seen} of totalCount {total} read");
            }
        }
    }

    private static (long Total, List<SearchedConfig> Items) ParseSearchPage(string body, string tenant)
    {
        using var document = NacosTransport.ParseJson(body, "config search");
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("totalCount", out var t) || !t.TryGetInt64(out var total))
        {
            throw new NacosMalformedResponseException($"config search: no totalCount in {NacosTransport.Truncate(body)}");
        }

        var items = new List<SearchedConfig>();
        if (root.TryGetProperty("pageItems", out var p) && p.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in p.EnumerateArray())
            {
                items.Add(new SearchedConfig(new ConfigKey(tenant, Str(item, "group"), Str(item, "dataId")), Str(item, "content"), Str(item, "appName"), Str(item, "type")));
            }
        }

        return (total, items);
    }

    /// <summary>
    /// Asks one node, with the config listener in its short-poll form (no <c>Long-Pulling-Timeout</c>:
    /// answered at once), which of <paramref name="expected"/> it serves with another md5 (an md5 of
    /// <c>""</c> asks that the key be absent). The node compares with its own cache, addressing each
    /// key's tenant literally (so a 2.x <c>public</c> tenant is the one written, reference §3).
    /// A short-poll answer comes in the <c>Probe-Modify-Response-New</c> header for clients older than
    /// 2.0.4 and in the body otherwise (reference §2, <c>ConfigServletInner.doPollingConfig</c>): both are read.
    /// </summary>
    /// <returns>The keys the node serves differently.</returns>
    public async Task<HashSet<ConfigKey>> StaleOnNodeAsync(Uri node, IReadOnlyCollection<(ConfigKey Key, string Md5)> expected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var body = new StringBuilder();
        var byWire = new Dictionary<string, ConfigKey>(StringComparer.Ordinal);
        foreach (var (key, md5) in expected)
        {
            body.Append(key.DataId).Append(WordSeparator).Append(key.Group).Append(WordSeparator).Append(md5);
            if (key.Tenant.Length > 0)
            {
                body.Append(WordSeparator).Append(key.Tenant);
            }

            body.Append(LineSeparator);
            byWire[ListenerWire(key.DataId, key.Group, key.Tenant)] = key;
        }

        var request = NacosRequest.Post("/v1/cs/configs/listener", idempotent: true, P("Listening-Configs", body.ToString()));
        var response = await transport.SendToNodeAsync(node, request, cancellationToken);
        var stale = new HashSet<ConfigKey>();
        foreach (var answer in new[] { response.Header("Probe-Modify-Response-New") ?? "", response.Body })
        {
            foreach (var line in Uri.UnescapeDataString(answer.Trim()).Split(LineSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Split(WordSeparator);
                if (parts.Length >= 2 && byWire.TryGetValue(ListenerWire(parts[0], parts[1], parts.Length > 2 ? parts[2] : ""), out var key))
                {
                    stale.Add(key);
                }
            }
        }

        return stale;
    }

    private const char WordSeparator = '\u0002';
    private const char LineSeparator = '\u0001';

    private static string ListenerWire(string dataId, string group, string tenant) => $"{dataId}{WordSeparator}{group}{WordSeparator}{tenant}";

    /// <summary>
    /// The nodes of the cluster (<c>/v1/core/cluster/nodes</c>; on 3.0 <c>/v3/admin/core/cluster/node/list</c>),
    /// as base addresses with the scheme of the configured servers; nodes reported DOWN are left out.
    /// </summary>
    public async Task<IReadOnlyList<Uri>> ClusterNodesAsync(CancellationToken cancellationToken)
    {
        NacosResponse response;
        try
        {
            response = await transport.SendAsync(NacosRequest.Get("/v1/core/cluster/nodes"), cancellationToken);
        }
        catch (NacosRejectedException ex) when (ex.StatusCode is 410 or 404)
        {
            response = await transport.SendAsync(NacosRequest.Get("/v3/admin/core/cluster/node/list"), cancellationToken);
        }

        using var document = NacosTransport.ParseJson(response.Body, "cluster nodes");
        var data = document.RootElement.TryGetProperty("data", out var d) ? d : document.RootElement;
        var scheme = transport.Servers[0].Scheme;
        var nodes = new List<Uri>();
        if (data.ValueKind == JsonValueKind.Array)
        {
            foreach (var node in data.EnumerateArray())
            {
                // A DOWN node serves nobody and re-reads every row when it comes back: nothing to refresh or prove there.
                var address = Str(node, "address");
                if (address.Length > 0 && !Str(node, "state").Equals("DOWN", StringComparison.OrdinalIgnoreCase))
                {
                    nodes.Add(new Uri($"{scheme}://{address}"));
                }
            }
        }

        if (nodes.Count == 0)
        {
            throw new NacosMalformedResponseException($"{transport.Name}: the cluster node list is empty: {NacosTransport.Truncate(response.Body)}");
        }

        return nodes;
    }

    /// <summary>Asks one node to re-read every formal config row (async on the server; does not drop deleted keys).</summary>
    public async Task RefreshLocalCacheAsync(Uri node, NacosServerVersion version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(version);
        var path = version.Major >= 3 ? "/v3/admin/cs/ops/localCache" : "/v1/cs/ops/localCache";
        await transport.SendToNodeAsync(node, NacosRequest.Post(path, idempotent: true), cancellationToken);
    }

    /// <summary>Asks one node (≤2.2.0) to re-read one key from the database.</summary>
    public async Task DataChangeAsync(Uri node, ConfigKey key, CancellationToken cancellationToken)
    {
        await transport.SendToNodeAsync(node, NacosRequest.Get("/v1/cs/communication/dataChange",
            P("dataId", key.DataId), P("group", key.Group), P("tenant", key.Tenant)), cancellationToken);
    }

    private static KeyValuePair<string, string> P(string name, string value) => new(name, value);

    private static void AddIf(List<KeyValuePair<string, string>> parameters, string name, string value)
    {
        if (value.Length > 0)
        {
            parameters.Add(P(name, value));
        }
    }

    private static string Str(JsonElement element, string name) =>
        element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";
}
