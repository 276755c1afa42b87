using System.Net;
using System.Security.Cryptography;
using System.Text;
using NacosSync.Core.Config;
using NacosSync.Nacos.Config;
using NacosSync.Nacos.Transport;

namespace NacosSync.Tests.Config;

/// <summary>
/// An in-memory target cluster for the cache refresh stage, answering as reference §2, §3 and §5 say:
/// a database, and per node a cache that changes only on <c>localCache</c> (every row) or
/// <c>dataChange</c> (one key; drops a missing row); the listener's short poll answers in the
/// <c>Probe-Modify-Response-New</c> header (no <c>Client-Version</c> is sent); a GET reads the cache.
/// A node can be made to hang (answers nothing until the caller gives up).
/// </summary>
internal sealed class FakeConfigCluster : HttpMessageHandler
{
    private readonly Lock _gate = new();

    public FakeConfigCluster(string version, params string[] nodes)
    {
        Version = version;
        foreach (var node in nodes)
        {
            Caches[node] = [];
        }
    }

    public string Version { get; }

    /// <summary>key → content.</summary>
    public Dictionary<ConfigKey, string> Database { get; } = [];

    /// <summary>node authority → key → content.</summary>
    public Dictionary<string, Dictionary<ConfigKey, string>> Caches { get; } = [];

    public HashSet<string> Hanging { get; } = [];

    public List<(string Node, string Path)> Calls { get; } = [];

    public int CallsTo(string path, string? node = null)
    {
        lock (_gate)
        {
            return Calls.Count(c => c.Path == path && (node is null || c.Node == node));
        }
    }

    public NacosConfigClient Client(TimeProvider time) => new(new NacosTransport(
        new NacosTransportOptions { Name = "tgt", Servers = [.. Caches.Keys.Select(n => new Uri("http://" + n))], MaxRetries = 0 },
        new HttpClient(this), time));

    public void Write(ConfigKey key, string content) => Database[key] = content;

    /// <summary>Every node serves what the database holds (as after a restart).</summary>
    public void LoadEveryNode()
    {
        foreach (var cache in Caches.Values)
        {
            cache.Clear();
            foreach (var (k, v) in Database)
            {
                cache[k] = v;
            }
        }
    }

#pragma warning disable CA5351 // MD5 is Nacos's content digest, not a security measure.
    public static string Md5(string content) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(content)));
#pragma warning restore CA5351

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var node = request.RequestUri!.Authority;
        var path = request.RequestUri.AbsolutePath;
        var form = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (_gate)
        {
            Calls.Add((node, path));
        }

        if (Hanging.Contains(node) && path != "/nacos/v1/core/cluster/nodes" && path != "/nacos/v1/console/server/state" && path != "/nacos/v3/admin/core/state")
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        var query = Parse(request.RequestUri.Query.TrimStart('?'));
        lock (_gate)
        {
            return path switch
            {
                "/nacos/v1/core/cluster/nodes" => Text("{\"data\":[" + string.Join(",", Caches.Keys.Select(n => $"{{\"address\":\"{n}\",\"state\":\"UP\"}}")) + "]}"),
                "/nacos/v1/console/server/state" => Text($"{{\"version\":\"{Version}\",\"standalone_mode\":\"cluster\"}}"),
                "/nacos/v1/cs/ops/localCache" => LocalCache(node),
                "/nacos/v1/cs/communication/dataChange" => DataChange(node, KeyOf(query)),
                "/nacos/v1/cs/configs/listener" => Listen(node, Parse(form)["Listening-Configs"]),
                "/nacos/v1/cs/configs" => Get(node, KeyOf(query)),
                _ => new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("no such path") },
            };
        }
    }

    private HttpResponseMessage LocalCache(string node)
    {
        // Re-reads every row; never drops a key whose row is gone (reference §5).
        foreach (var (k, v) in Database)
        {
            Caches[node][k] = v;
        }

        return Text("Local cache updated from store successfully!");
    }

    private HttpResponseMessage DataChange(string node, ConfigKey key)
    {
        if (Database.TryGetValue(key, out var content))
        {
            Caches[node][key] = content;
        }
        else
        {
            Caches[node].Remove(key);
        }

        return Text("true");
    }

    private HttpResponseMessage Listen(string node, string probe)
    {
        var changed = new StringBuilder();
        foreach (var line in probe.Split('\u0001', StringSplitOptions.RemoveEmptyEntries))
        {
            var p = line.Split('\u0002');
            var key = new ConfigKey(p.Length > 3 ? p[3] : "", p[1], p[0]);
            var served = Caches[node].TryGetValue(key, out var content) ? Md5(content) : "";
            if (served != p[2])
            {
                changed.Append(p[0]).Append('\u0002').Append(p[1]);
                if (p.Length > 3 && p[3].Length > 0)
                {
                    changed.Append('\u0002').Append(p[3]);
                }

                changed.Append('\u0001');
            }
        }

        // A short poll from a client that names no Client-Version ≥ 2.0.4: the answer is in the header, the body is empty.
        var response = Text("");
        response.Headers.TryAddWithoutValidation("Probe-Modify-Response-New", Uri.EscapeDataString(changed.ToString()));
        return response;
    }

    private HttpResponseMessage Get(string node, ConfigKey key)
    {
        if (!Caches[node].TryGetValue(key, out var content))
        {
            return new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("config data not exist") };
        }

        var response = Text(content);
        response.Content.Headers.TryAddWithoutValidation("Content-MD5", Md5(content));
        return response;
    }

    private static ConfigKey KeyOf(Dictionary<string, string> p) => new(p.GetValueOrDefault("tenant", ""), p.GetValueOrDefault("group", ""), p.GetValueOrDefault("dataId", ""));

    private static Dictionary<string, string> Parse(string encoded) => encoded.Split('&', StringSplitOptions.RemoveEmptyEntries)
        .Select(pair => pair.Split('=', 2))
        .ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : "");

    private static HttpResponseMessage Text(string body) => new(HttpStatusCode.OK) { Content = new StringContent(body) };
}
