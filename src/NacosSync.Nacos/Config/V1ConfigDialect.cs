using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using NacosSync.Core.Config;
using NacosSync.Nacos.Transport;

namespace NacosSync.Nacos.Config;

/// <summary>
/// Config over the v1 HTTP API (reference §3, §5), as 1.4–2.5 serve it: reads from one node's cache,
/// publish with <c>casMd5</c>, delete, search, the listener's short poll, and the refresh calls.
/// </summary>
internal sealed class V1ConfigDialect(NacosTransport transport) : IConfigDialect
{
    private const string ConfigsPath = "/v1/cs/configs";
    private const char WordSeparator = '\u0002';
    private const char LineSeparator = '\u0001';

    public async Task<ServedConfig?> GetAsync(Uri? node, ConfigKey key, CancellationToken cancellationToken)
    {
        var request = NacosRequest.Get(ConfigsPath, P("dataId", key.DataId), P("group", key.Group), P("tenant", key.Tenant));
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

    public async Task PublishAsync(ConfigRow row, string? casMd5, CancellationToken cancellationToken)
    {
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
        var request = new NacosRequest(HttpMethod.Post, ConfigsPath, parameters, Idempotent: casMd5 is null);
        if (casMd5 is not null)
        {
            request = request with { Headers = [P("casMd5", casMd5)] };
        }

        var response = await transport.SendAsync(request, cancellationToken);
        if (!response.Body.Trim().Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            throw new NacosRejectedException($"publish {row.Key} answered {NacosAnswers.Truncate(response.Body)}", (int)response.StatusCode, response.Body);
        }
    }

    public async Task DeleteAsync(ConfigKey key, CancellationToken cancellationToken)
    {
        await transport.SendAsync(NacosRequest.Delete(ConfigsPath, idempotent: true, P("dataId", key.DataId), P("group", key.Group), P("tenant", key.Tenant)), cancellationToken);
    }

    public async IAsyncEnumerable<SearchedConfig> SearchTenantAsync(string tenant, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long seen = 0;
        for (var page = 1; ; page++)
        {
            var response = await transport.SendAsync(NacosRequest.Get(ConfigsPath, P("search", "accurate"), P("dataId", ""), P("group", ""),
                P("tenant", tenant), P("pageNo", Number(page)), P("pageSize", Number(pageSize))), cancellationToken);
            using var document = NacosAnswers.ParseJson(response.Body, "config search");
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("totalCount", out var t) || !t.TryGetInt64(out var total))
            {
                throw new NacosMalformedResponseException($"config search: no totalCount in {NacosAnswers.Truncate(response.Body)}");
            }

            var items = 0;
            if (root.TryGetProperty("pageItems", out var p) && p.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in p.EnumerateArray())
                {
                    items++;
                    yield return new SearchedConfig(new ConfigKey(tenant, Str(item, "group"), Str(item, "dataId")), Str(item, "content"), Str(item, "appName"), Str(item, "type"));
                }
            }

            seen += items;
            if (seen >= total)
            {
                yield break;
            }

            if (items < pageSize)
            {
                throw new ConfigPartialReadException(
                    $"{transport.Name}: config search of tenant '{tenant}' stopped short: page {page} held {items} of {pageSize}, {seen} of totalCount {total} read");
            }
        }
    }

    /// <summary>The listener's short poll (no <c>Long-Pulling-Timeout</c>); the answer is read from the <c>Probe-Modify-Response-New</c> header and the body.</summary>
    public async Task<HashSet<ConfigKey>> StaleOnNodeAsync(Uri node, IReadOnlyCollection<(ConfigKey Key, string Md5)> expected, CancellationToken cancellationToken)
    {
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

    public async Task<IReadOnlyList<Uri>> ClusterNodesAsync(CancellationToken cancellationToken)
    {
        var response = await transport.SendAsync(NacosRequest.Get("/v1/core/cluster/nodes"), cancellationToken);
        return Nodes(transport, response.Body);
    }

    public async Task RefreshLocalCacheAsync(Uri node, CancellationToken cancellationToken) =>
        await transport.SendToNodeAsync(node, NacosRequest.Post("/v1/cs/ops/localCache", idempotent: true), cancellationToken);

    public async Task DataChangeAsync(Uri node, ConfigKey key, CancellationToken cancellationToken) =>
        await transport.SendToNodeAsync(node, NacosRequest.Get("/v1/cs/communication/dataChange",
            P("dataId", key.DataId), P("group", key.Group), P("tenant", key.Tenant)), cancellationToken);

    /// <summary>
    /// A node list (v1 <c>{data: [...]}</c>, v3 <c>Result&lt;Collection&lt;Member&gt;&gt;</c>: <c>address, ip, port, state</c>) as base
    /// addresses with the scheme of the configured servers; nodes reported DOWN are left out.
    /// </summary>
    internal static IReadOnlyList<Uri> Nodes(NacosTransport transport, string body)
    {
        using var document = NacosAnswers.ParseJson(body, "cluster nodes");
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
            throw new NacosMalformedResponseException($"{transport.Name}: the cluster node list is empty: {NacosAnswers.Truncate(body)}");
        }

        return nodes;
    }

    internal static KeyValuePair<string, string> P(string name, string value) => new(name, value);

    internal static void AddIf(List<KeyValuePair<string, string>> parameters, string name, string value)
    {
        if (value.Length > 0)
        {
            parameters.Add(P(name, value));
        }
    }

    internal static string Str(JsonElement element, string name) =>
        element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";

    internal static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string ListenerWire(string dataId, string group, string tenant) => $"{dataId}{WordSeparator}{group}{WordSeparator}{tenant}";
}
