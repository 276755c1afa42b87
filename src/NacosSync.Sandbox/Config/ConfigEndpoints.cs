using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NacosSync.Sandbox.Hosting;

namespace NacosSync.Sandbox.Config;

/// <summary>The config API (reference §3, §5): v1, ops, dataChange, v2 and v3 admin wrappers.</summary>
internal static partial class ConfigEndpoints
{
    private const string Configs = "/nacos/v1/cs/configs";
    internal const string LocalCacheDone = "Local cache updated from store successfully!";
    private static readonly HashSet<string> KnownTypes = new(StringComparer.OrdinalIgnoreCase) { "text", "json", "xml", "yaml", "html", "properties" };

    public static void Map(IEndpointRouteBuilder app, SandboxNode node)
    {
        var cluster = node.Cluster;
        var traits = cluster.Traits;

        app.MapGet(Configs, async Task<IResult> (HttpContext c) =>
        {
            var p = await ReadAsync(c);
            return p.Has("search") ? await SearchAsync(cluster, p, c.RequestAborted) : Get(node, p, c.Response);
        });
        app.MapPost(Configs, async Task<IResult> (HttpContext c) => await PublishAsync(cluster, c, await ReadAsync(c)) is var (status, body) && status == 200
            ? NacosResults.Text("true")
            : NacosResults.Caused(body, status));
        app.MapDelete(Configs, async Task<IResult> (HttpContext c) => await DeleteAsync(cluster, c, await ReadAsync(c)) is var (status, body) && status == 200
            ? NacosResults.Text("true")
            : NacosResults.Caused(body, status));
        app.MapPost(Configs + "/listener", async Task<IResult> (HttpContext c) => await ListenAsync(node, c, await ReadAsync(c)));
        app.MapGet("/nacos/v1/cs/history", async Task<IResult> (HttpContext c) => await HistoryAsync(cluster, await ReadAsync(c), c.RequestAborted));

        if (traits.DataChangeEndpoint)
        {
            app.MapGet("/nacos/v1/cs/communication/dataChange", async Task<IResult> (HttpContext c) =>
            {
                var p = await ReadAsync(c);
                await node.DumpOneAsync(new ConfigKey(p.Get("dataId", ""), p.Get("group", ""), Tenant(traits, p)), c.RequestAborted);
                return NacosResults.Text("true");
            });
        }

        app.MapPost("/nacos/v1/cs/ops/localCache", () =>
        {
            _ = node.StartLocalCacheRefresh();
            return NacosResults.Text(LocalCacheDone);
        });

        if (traits.V2OpenApi)
        {
            app.MapGet("/nacos/v2/cs/config", async Task<IResult> (HttpContext c) =>
            {
                var p = await ReadAsync(c);
                var cached = node.Cache.Get(Key(traits, p));
                return cached is null
                    ? NacosResults.V2Error(StatusCodes.Status404NotFound, 20004, "config data not exist")
                    : NacosResults.V2(cached.Content);
            });
            app.MapPost("/nacos/v2/cs/config", async Task<IResult> (HttpContext c) => await PublishAsync(cluster, c, await ReadAsync(c)) is var (status, body) && status == 200
                ? NacosResults.V2(true)
                : NacosResults.V2Error(status, status == 500 ? 30000 : 10000, body));
            app.MapDelete("/nacos/v2/cs/config", async Task<IResult> (HttpContext c) => await DeleteAsync(cluster, c, await ReadAsync(c)) is var (status, body) && status == 200
                ? NacosResults.V2(true)
                : NacosResults.V2Error(status, 10000, body));
        }
    }

    private static Task<NacosParams> ReadAsync(HttpContext context) => NacosParams.ReadAsync(context.Request, context.RequestAborted);

    /// <summary>The config tenant: v2 names it namespaceId; 3.0 maps the blank public namespace to "public".</summary>
    private static string Tenant(NacosProfileTraits traits, NacosParams p)
    {
        var tenant = (p["tenant"] ?? p["namespaceId"] ?? "").Trim();
        return tenant.Length == 0 ? traits.PublicConfigTenant : tenant;
    }

    internal static ConfigKey Key(NacosProfileTraits traits, NacosParams p) =>
        new(p.Get("dataId", "").Trim(), p.Get("group", "DEFAULT_GROUP").Trim(), Tenant(traits, p));

    /// <summary>
    /// The key a v1 GET reads. 2.x maps <c>tenant=public</c> to the public tenant <c>""</c> on reads
    /// only (reference §3): publish, delete and search with <c>tenant=public</c> address a separate
    /// literal <c>public</c> tenant, which a v1 GET therefore cannot read.
    /// </summary>
    private static ConfigKey ReadKey(NacosProfileTraits traits, NacosParams p)
    {
        var key = Key(traits, p);
        return traits.V1GetMapsPublicTenant && key.Tenant == "public" ? key with { Tenant = "" } : key;
    }

    private static IResult Get(SandboxNode node, NacosParams p, HttpResponse response)
    {
        if (string.IsNullOrWhiteSpace(p["dataId"]))
        {
            return NacosResults.Caused("Required request parameter 'dataId' for method parameter type String is not present");
        }

        var cached = node.Cache.Get(ReadKey(node.Cluster.Traits, p));
        if (cached is null)
        {
            return NacosResults.Text("config data not exist", StatusCodes.Status404NotFound);
        }

        response.Headers["Content-MD5"] = cached.Md5;
        response.Headers["Config-Type"] = cached.Type;
        response.Headers["Last-Modified"] = new DateTimeOffset(cached.LastModified, TimeSpan.Zero).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        if (cached.EncryptedDataKey.Length > 0)
        {
            response.Headers["Encrypted-Data-Key"] = cached.EncryptedDataKey;
        }

        response.Headers.Pragma = "no-cache";
        return NacosResults.Text(cached.Content);
    }

    internal static async Task<(int Status, string Body)> PublishAsync(SandboxCluster cluster, HttpContext context, NacosParams p)
    {
        if (cluster.ConfigStore is not { } store)
        {
            return (StatusCodes.Status503ServiceUnavailable, "the sandbox cluster has no config database");
        }

        var key = Key(cluster.Traits, p);
        if (!ValidName().IsMatch(key.DataId))
        {
            return (StatusCodes.Status400BadRequest, $"invalid dataId : {key.DataId}");
        }

        if (!ValidName().IsMatch(key.Group))
        {
            return (StatusCodes.Status400BadRequest, $"invalid group : {key.Group}");
        }

        var content = p["content"];
        if (string.IsNullOrWhiteSpace(content))
        {
            return (StatusCodes.Status400BadRequest, "content is blank : ");
        }

        if (context.Request.Headers.ContainsKey("betaIps"))
        {
            return (StatusCodes.Status400BadRequest, "sandbox: beta publish (betaIps) is not modelled");
        }

        var type = p.Get("type", "text");
        var casMd5 = context.Request.Headers.TryGetValue("casMd5", out var cas) && cas.ToString().Length > 0 ? cas.ToString() : null;
        var request = new PublishRequest(
            key,
            content,
            KnownTypes.Contains(type) ? type.ToLowerInvariant() : "text",
            p["appName"],
            p["desc"],
            p["config_tags"],
            p.Get("encryptedDataKey", ""),
            context.Connection.RemoteIpAddress?.ToString(),
            p["username"],
            casMd5);
        if (!await store.PublishAsync(request, context.RequestAborted))
        {
            return (StatusCodes.Status500InternalServerError, "Cas publish fail, server md5 may have changed.");
        }

        await cluster.RefreshAllNodesAsync(key, context.RequestAborted);
        return (StatusCodes.Status200OK, "true");
    }

    internal static async Task<(int Status, string Body)> DeleteAsync(SandboxCluster cluster, HttpContext context, NacosParams p)
    {
        if (cluster.ConfigStore is not { } store)
        {
            return (StatusCodes.Status503ServiceUnavailable, "the sandbox cluster has no config database");
        }

        var key = Key(cluster.Traits, p);
        if (key.DataId.Length == 0)
        {
            return (StatusCodes.Status400BadRequest, "invalid dataId : ");
        }

        await store.DeleteAsync(key, context.Connection.RemoteIpAddress?.ToString(), p["username"], context.RequestAborted);
        await cluster.RefreshAllNodesAsync(key, context.RequestAborted);
        return (StatusCodes.Status200OK, "true");
    }

    private static async Task<IResult> SearchAsync(SandboxCluster cluster, NacosParams p, CancellationToken ct)
    {
        if (cluster.ConfigStore is not { } store)
        {
            return NacosResults.Caused("the sandbox cluster has no config database", StatusCodes.Status503ServiceUnavailable);
        }

        var pageNo = Math.Max(1, p.Int("pageNo", 1));
        var pageSize = Math.Clamp(p.Int("pageSize", 100), 1, 500);
        var blur = string.Equals(p["search"], "blur", StringComparison.OrdinalIgnoreCase);
        var (total, rows) = await store.SearchAsync(p["dataId"], p["group"], Tenant(cluster.Traits, p), p["appName"], blur, pageNo, pageSize, ct);
        return NacosResults.JsonBody(new
        {
            totalCount = total,
            pageNumber = pageNo,
            pagesAvailable = (total + pageSize - 1) / pageSize,
            pageItems = rows.Select(r => new Dictionary<string, object?>
            {
                ["id"] = r.Id.ToString(CultureInfo.InvariantCulture),
                ["dataId"] = r.DataId,
                ["group"] = r.GroupId,
                ["content"] = r.Content,
                ["md5"] = cluster.Traits.SearchReturnsMd5 ? r.Md5 : null,
                ["encryptedDataKey"] = r.EncryptedDataKey,
                ["tenant"] = r.TenantId,
                ["appName"] = r.AppName,
                ["type"] = r.Type,
            }).ToList(),
        });
    }

    private static async Task<IResult> ListenAsync(SandboxNode node, HttpContext context, NacosParams p)
    {
        var probe = p["Listening-Configs"];
        if (probe is null)
        {
            return NacosResults.Caused("invalid probeModify");
        }

        var listening = ParseListening(node.Cluster.Traits, probe);
        var changed = listening.Where(l => node.Cache.Md5(l.Key) != l.Md5).Select(l => l.Key).ToList();
        var longPolling = context.Request.Headers.ContainsKey("Long-Pulling-Timeout");
        if (changed.Count == 0 && context.Request.Headers.TryGetValue("Long-Pulling-Timeout", out var timeoutHeader)
            && long.TryParse(timeoutHeader.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var timeoutMs)
            && !string.Equals(context.Request.Headers["Long-Pulling-Timeout-No-Hangup"].ToString(), "true", StringComparison.OrdinalIgnoreCase))
        {
            var hold = TimeSpan.FromMilliseconds(Math.Max(10_000, timeoutMs - 500));
            try
            {
                var key = await node.Listeners.WaitAsync(listening.Select(l => l.Key).ToList(), hold, context.RequestAborted);
                if (key is { } k)
                {
                    changed.Add(k);
                }
            }
            catch (OperationCanceledException)
            {
                return Results.Empty;
            }
        }

        context.Response.Headers.Pragma = "no-cache";
        context.Response.Headers.CacheControl = "no-cache,no-store";
        var sent = listening.Where(l => changed.Contains(l.Key)).ToList();
        var newResult = new StringBuilder();
        var oldResult = new StringBuilder();
        foreach (var (key, _, tenantSent) in sent)
        {
            newResult.Append(key.DataId).Append('\u0002').Append(key.Group);
            if (tenantSent)
            {
                newResult.Append('\u0002').Append(key.Tenant);
            }

            newResult.Append('\u0001');
            oldResult.Append(key.DataId).Append(':').Append(key.Group).Append(';');
        }

        var encoded = Uri.EscapeDataString(newResult.ToString());
        if (!longPolling && !AnswersShortPollInBody(context.Request))
        {
            // ConfigServletInner.doPollingConfig (reference §2): a short poll from a client older than
            // 2.0.4 (or one that names no Client-Version, taken as 2.0.0) gets its answer in headers only.
            context.Response.Headers["Probe-Modify-Response"] = oldResult.ToString();
            context.Response.Headers["Probe-Modify-Response-New"] = encoded;
            return NacosResults.Text("");
        }

        return changed.Count == 0 ? NacosResults.Text("") : NacosResults.Text(encoded + "\n");
    }

    /// <summary>A short poll is answered in the body only when the request's <c>Client-Version</c> is 2.0.4 or later.</summary>
    private static bool AnswersShortPollInBody(HttpRequest request)
    {
        var text = request.Headers["Client-Version"].ToString();
        if (text.Length == 0)
        {
            return false;
        }

        var parts = text.Split('.', '-');
        var numbers = new int[3];
        for (var i = 0; i < 3 && i < parts.Length; i++)
        {
            _ = int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out numbers[i]);
        }

        return (numbers[0], numbers[1], numbers[2]).CompareTo((2, 0, 4)) >= 0;
    }

    private static List<(ConfigKey Key, string Md5, bool TenantSent)> ParseListening(NacosProfileTraits traits, string probe)
    {
        var result = new List<(ConfigKey, string, bool)>();
        foreach (var line in probe.Split('\u0001', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split('\u0002');
            if (parts.Length < 2)
            {
                continue;
            }

            var tenantSent = parts.Length > 3 && parts[3].Length > 0;
            var tenant = tenantSent ? parts[3] : traits.PublicConfigTenant;
            result.Add((new ConfigKey(parts[0], parts[1], tenant), parts.Length > 2 ? parts[2] : "", tenantSent));
        }

        return result;
    }

    private static async Task<IResult> HistoryAsync(SandboxCluster cluster, NacosParams p, CancellationToken ct)
    {
        if (cluster.ConfigStore is not { } store)
        {
            return NacosResults.Caused("the sandbox cluster has no config database", StatusCodes.Status503ServiceUnavailable);
        }

        if (p.Has("nid"))
        {
            var row = await store.HistoryDetailAsync(long.Parse(p.Get("nid", "0"), CultureInfo.InvariantCulture), ct);
            return row is null ? NacosResults.Caused("history not found", StatusCodes.Status404NotFound) : NacosResults.JsonBody(History(row, withContent: true));
        }

        var pageNo = Math.Max(1, p.Int("pageNo", 1));
        var pageSize = Math.Clamp(p.Int("pageSize", 100), 1, 500);
        var (total, rows) = await store.HistoryAsync(Key(cluster.Traits, p), pageNo, pageSize, ct);
        return NacosResults.JsonBody(new
        {
            totalCount = total,
            pageNumber = pageNo,
            pagesAvailable = (total + pageSize - 1) / pageSize,
            pageItems = rows.Select(r => History(r, withContent: false)).ToList(),
        });
    }

    private static Dictionary<string, object?> History(HistoryRow r, bool withContent) => new()
    {
        ["id"] = r.Nid.ToString(CultureInfo.InvariantCulture),
        ["lastId"] = -1,
        ["dataId"] = r.DataId,
        ["group"] = r.GroupId,
        ["tenant"] = r.TenantId,
        ["appName"] = r.AppName,
        ["md5"] = r.Md5,
        ["content"] = withContent ? r.Content : null,
        ["srcIp"] = r.SrcIp,
        ["srcUser"] = r.SrcUser,
        ["opType"] = r.OpType,
        ["createdTime"] = new DateTimeOffset(r.GmtCreate, TimeSpan.Zero).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture),
        ["lastModifiedTime"] = new DateTimeOffset(r.GmtModified, TimeSpan.Zero).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture),
    };

    [GeneratedRegex("^[a-zA-Z0-9_\\-.:]+$")]
    private static partial Regex ValidName();
}
