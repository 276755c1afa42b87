using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using NacosSync.Core.Config;

namespace NacosSync.Bench.Setup;

/// <summary>An instance as the harness writes and reads it (the v1 open API's fields it compares).</summary>
internal sealed record BenchInstance(string Namespace, string Service, string Ip, int Port, double Weight);

/// <summary>
/// The harness's own client of a sandbox cluster: the v1 open API (Nacos's OpenAPI, the same a curl user has)
/// and the sandbox's request counts. Its connections are not the daemon's, so what it sends is never counted
/// as the daemon's; the scenarios that count requests send none while counting.
/// </summary>
internal sealed class SandboxApi : IDisposable
{
    private readonly HttpClient _http;

    public SandboxApi(IReadOnlyList<string> nodes, int connections = 64)
    {
        Nodes = nodes;
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    /// <summary><c>host:port</c> of every node.</summary>
    public IReadOnlyList<string> Nodes { get; }

    /// <summary>Registers (or updates: same ip:port) an instance through node <paramref name="node"/>.</summary>
    public async Task RegisterAsync(BenchInstance instance, bool ephemeral, int node, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(instance);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["namespaceId"] = instance.Namespace,
            ["serviceName"] = instance.Service,
            ["groupName"] = "DEFAULT_GROUP",
            ["ip"] = instance.Ip,
            ["port"] = instance.Port.ToString(CultureInfo.InvariantCulture),
            ["weight"] = instance.Weight.ToString(CultureInfo.InvariantCulture),
            ["ephemeral"] = ephemeral ? "true" : "false",
            ["metadata"] = "{\"zone\":\"z1\",\"app\":\"bench\"}",
        });
        using var response = await _http.PostAsync(Url(node, "/nacos/v1/ns/instance"), form, ct);
        await EnsureAsync(response, "register " + instance.Service, ct);
    }

    /// <summary>The instances of a service as node <paramref name="node"/> serves them (healthy or not).</summary>
    public async Task<IReadOnlyList<BenchInstance>> ListAsync(string ns, string service, int node, CancellationToken ct)
    {
        using var response = await _http.GetAsync(Url(node, $"/nacos/v1/ns/instance/list?namespaceId={Uri.EscapeDataString(ns)}&serviceName={Uri.EscapeDataString(service)}&groupName=DEFAULT_GROUP&healthyOnly=false"), ct);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return [];
        }

        await EnsureAsync(response, "list " + service, ct);
        using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
        return json.RootElement.TryGetProperty("hosts", out var hosts)
            ? [.. hosts.EnumerateArray().Select(h => new BenchInstance(ns, service, h.GetProperty("ip").GetString()!, h.GetProperty("port").GetInt32(), h.GetProperty("weight").GetDouble()))]
            : [];
    }

    public async Task PublishConfigAsync(string tenant, string group, string dataId, string content, CancellationToken ct)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["tenant"] = tenant,
            ["group"] = group,
            ["dataId"] = dataId,
            ["content"] = content,
            ["type"] = "yaml",
        });
        using var response = await _http.PostAsync(Url(0, "/nacos/v1/cs/configs"), form, ct);
        await EnsureAsync(response, "publish " + dataId, ct);
    }

    /// <summary>The md5 of the content node <paramref name="node"/> serves from its cache, or null when it serves none.</summary>
    public async Task<string?> ServedMd5Async(string tenant, string group, string dataId, int node, CancellationToken ct)
    {
        using var response = await _http.GetAsync(Url(node, $"/nacos/v1/cs/configs?tenant={Uri.EscapeDataString(tenant)}&group={Uri.EscapeDataString(group)}&dataId={Uri.EscapeDataString(dataId)}"), ct);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureAsync(response, "get " + dataId, ct);
        return ConfigMd5.Of(await response.Content.ReadAsStringAsync(ct));
    }

    /// <summary>
    /// The keys among <paramref name="expected"/> whose md5 node <paramref name="node"/> does not serve, asked in one
    /// listener probe without hold (<c>Long-Pulling-Timeout-No-Hangup</c>: ConfigController.listener answers at once),
    /// as (tenant, group, dataId).
    /// </summary>
    public async Task<HashSet<(string Tenant, string Group, string DataId)>> StaleAsync(IEnumerable<(string Tenant, string Group, string DataId, string Md5)> expected, int node, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var probe = string.Concat(expected.Select(e => e.Tenant.Length == 0
            ? $"{e.DataId}\u0002{e.Group}\u0002{e.Md5}\u0001"
            : $"{e.DataId}\u0002{e.Group}\u0002{e.Md5}\u0002{e.Tenant}\u0001"));
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["Listening-Configs"] = probe });
        using var request = new HttpRequestMessage(HttpMethod.Post, Url(node, "/nacos/v1/cs/configs/listener")) { Content = form };
        request.Headers.Add("Long-Pulling-Timeout", "30000");
        request.Headers.Add("Long-Pulling-Timeout-No-Hangup", "true");
        using var response = await _http.SendAsync(request, ct);
        await EnsureAsync(response, "listener probe", ct);
        return ParseChanged(await response.Content.ReadAsStringAsync(ct));
    }

    /// <summary>The listener's answer: URL-encoded lines <c>dataId^2group[^2tenant]^1</c> (no tenant: the public one).</summary>
    public static HashSet<(string Tenant, string Group, string DataId)> ParseChanged(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var result = new HashSet<(string, string, string)>();
        foreach (var line in Uri.UnescapeDataString(body).Split('\u0001', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split('\u0002');
            if (parts.Length >= 2)
            {
                result.Add((parts.Length > 2 ? parts[2] : "", parts[1], parts[0]));
            }
        }

        return result;
    }

    /// <summary>Every node's request counts (<c>GET /sandbox/requests</c>, itself not counted).</summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, long>>> RequestCountsAsync(CancellationToken ct)
    {
        var result = new List<IReadOnlyDictionary<string, long>>();
        for (var i = 0; i < Nodes.Count; i++)
        {
            result.Add((await _http.GetFromJsonAsync<Dictionary<string, long>>(Url(i, "/sandbox/requests"), ct))!);
        }

        return result;
    }

    public void Dispose() => _http.Dispose();

    private Uri Url(int node, string pathAndQuery) => new($"http://{Nodes[node % Nodes.Count]}{pathAndQuery}");

    private static async Task EnsureAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            throw new HttpRequestException($"{what}: {(int)response.StatusCode} {body[..Math.Min(body.Length, 300)]}");
        }
    }
}
