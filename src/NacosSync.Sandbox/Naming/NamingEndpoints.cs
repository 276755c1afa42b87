using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NacosSync.Sandbox.Hosting;

namespace NacosSync.Sandbox.Naming;

/// <summary>The naming API: v1 (reference §2) and the v2 wrappers of the same calls.</summary>
internal static class NamingEndpoints
{
    private const string V1 = "/nacos/v1/ns";
    private const string V2 = "/nacos/v2/ns";

    public static void Map(IEndpointRouteBuilder app, SandboxNode node)
    {
        var cluster = node.Cluster;
        var traits = cluster.Traits;

        app.MapPost(V1 + "/instance", async Task<IResult> (HttpContext c) => Plain(Register(cluster, await ReadAsync(c))));
        app.MapDelete(V1 + "/instance", async Task<IResult> (HttpContext c) => Plain(Deregister(cluster, await ReadAsync(c))));
        app.MapPut(V1 + "/instance", async Task<IResult> (HttpContext c) => Plain(Update(cluster, await ReadAsync(c))));
        app.MapPut(V1 + "/instance/beat", async Task<IResult> (HttpContext c) => Beat(cluster, await ReadAsync(c)) is var (ok, body) && ok ? NacosResults.JsonBody(body!) : Plain((false, (string)body!)));
        app.MapGet(V1 + "/instance/list", async Task<IResult> (HttpContext c) => ListInstances(c, node, await ReadAsync(c)) is var (error, info) && error is null
            ? Results.Bytes(info!, "application/json;charset=UTF-8")
            : Plain((false, error!)));
        app.MapPut(V1 + "/health/instance", async Task<IResult> (HttpContext c) => Plain(SetHealth(cluster, await ReadAsync(c))));
        app.MapPost(V1 + "/service", async Task<IResult> (HttpContext c) => Plain(UpsertService(cluster, await ReadAsync(c), update: false)));
        app.MapPut(V1 + "/service", async Task<IResult> (HttpContext c) => Plain(UpsertService(cluster, await ReadAsync(c), update: true)));
        app.MapDelete(V1 + "/service", async Task<IResult> (HttpContext c) => Plain(DeleteService(cluster, await ReadAsync(c))));
        app.MapGet(V1 + "/service", async Task<IResult> (HttpContext c) => GetService(cluster, await ReadAsync(c)) is var (error, body) && error is null
            ? NacosResults.JsonBody(body!)
            : Plain((false, error!)));
        app.MapGet(V1 + "/service/list", async Task<IResult> (HttpContext c) => ListServices(cluster, await ReadAsync(c)) is var (error, body) && error is null
            ? NacosResults.JsonBody(new { count = body!.Count, doms = body.Names })
            : Plain((false, error!)));
        app.MapGet(V1 + "/catalog/services", async Task<IResult> (HttpContext c) => Catalog(cluster, await ReadAsync(c)));

        if (!traits.V2OpenApi)
        {
            return;
        }

        app.MapPost(V2 + "/instance", async Task<IResult> (HttpContext c) => Wrapped(Register(cluster, await ReadAsync(c))));
        app.MapDelete(V2 + "/instance", async Task<IResult> (HttpContext c) => Wrapped(Deregister(cluster, await ReadAsync(c))));
        app.MapPut(V2 + "/instance", async Task<IResult> (HttpContext c) => Wrapped(Update(cluster, await ReadAsync(c))));
        app.MapPut(V2 + "/instance/beat", async Task<IResult> (HttpContext c) => Beat(cluster, await ReadAsync(c)) is var (ok, body) && ok
            ? NacosResults.V2(body)
            : NacosResults.V2Error(StatusCodes.Status400BadRequest, 10000, (string)body!));
        app.MapGet(V2 + "/instance/list", async Task<IResult> (HttpContext c) => ListInstances(c, node, await ReadAsync(c)) is var (error, info) && error is null
            ? Results.Bytes([.. "{\"code\":0,\"message\":\"success\",\"data\":"u8, .. info!, .. "}"u8], "application/json;charset=UTF-8")
            : NacosResults.V2Error(StatusCodes.Status400BadRequest, 10000, error!));
        app.MapGet(V2 + "/service/list", async Task<IResult> (HttpContext c) => ListServices(cluster, await ReadAsync(c)) is var (error, body) && error is null
            ? NacosResults.V2(new { count = body!.Count, services = body.Names })
            : NacosResults.V2Error(StatusCodes.Status400BadRequest, 10000, error!));
        app.MapPost(V2 + "/service", async Task<IResult> (HttpContext c) => Wrapped(UpsertService(cluster, await ReadAsync(c), update: false)));
        app.MapPut(V2 + "/service", async Task<IResult> (HttpContext c) => Wrapped(UpsertService(cluster, await ReadAsync(c), update: true)));
        app.MapDelete(V2 + "/service", async Task<IResult> (HttpContext c) => Wrapped(DeleteService(cluster, await ReadAsync(c))));
    }

    private static Task<NacosParams> ReadAsync(HttpContext context) => NacosParams.ReadAsync(context.Request, context.RequestAborted);

    private static IResult Plain((bool Ok, string Body) result) =>
        result.Ok ? NacosResults.Text(result.Body) : NacosResults.Caused(result.Body);

    private static IResult Wrapped((bool Ok, string Body) result) =>
        result.Ok ? NacosResults.V2(result.Body) : NacosResults.V2Error(StatusCodes.Status400BadRequest, 10000, result.Body);

    private static ServiceKey Service(NacosParams p) =>
        ServiceKey.From(p.Get("namespaceId", NamingDefaults.Namespace), p.Get("serviceName", ""), p["groupName"]);

    private static string? Require(NacosParams p, params string[] names) =>
        names.FirstOrDefault(n => string.IsNullOrWhiteSpace(p[n])) is { } missing ? $"Param '{missing}' is required." : null;

    private static (bool, string) Register(SandboxCluster cluster, NacosParams p)
    {
        if (Require(p, "serviceName", "ip", "port") is { } missing)
        {
            return (false, missing);
        }

        if (!TryMetadata(p["metadata"], out var metadata))
        {
            return (false, "metadata is not a JSON object: " + p["metadata"]);
        }

        var request = new RegisterRequest(
            Service(p),
            p.Get("ip", ""),
            p.Int("port", 0),
            p.Get("clusterName", NamingDefaults.Cluster),
            p.Double("weight", 1),
            p.Bool("healthy", true),
            p.Has("enabled") ? p.Bool("enabled", true) : p.Bool("enable", true),
            p.Bool("ephemeral", true),
            metadata);
        var result = cluster.Naming.Register(request);
        return result.Ok ? (true, "ok") : (false, "errCode: 400, errMsg: " + result.Error);
    }

    private static (bool, string) Deregister(SandboxCluster cluster, NacosParams p)
    {
        if (Require(p, "serviceName", "ip", "port") is { } missing)
        {
            return (false, missing);
        }

        cluster.Naming.Deregister(Service(p), p.Get("ip", ""), p.Int("port", 0), p.Bool("ephemeral", true));
        return (true, "ok");
    }

    private static (bool, string) Update(SandboxCluster cluster, NacosParams p)
    {
        if (Require(p, "serviceName", "ip", "port") is { } missing)
        {
            return (false, missing);
        }

        if (!TryMetadata(p["metadata"], out var metadata))
        {
            return (false, "metadata is not a JSON object: " + p["metadata"]);
        }

        // Nacos builds a whole instance from the request: absent fields take their defaults.
        var enabled = p.Has("enabled") ? p.Bool("enabled", true) : p.Bool("enable", true);
        var ok = cluster.Naming.Update(Service(p), p.Get("ip", ""), p.Int("port", 0), p.Bool("ephemeral", true), enabled, p.Double("weight", 1), metadata);
        return ok ? (true, "ok") : (false, $"errCode: 400, errMsg: instance not exist: {p["ip"]}:{p["port"]}");
    }

    private static (bool, string) SetHealth(SandboxCluster cluster, NacosParams p)
    {
        if (Require(p, "serviceName", "ip", "port", "healthy") is { } missing)
        {
            return (false, missing);
        }

        return cluster.Naming.SetHealth(Service(p), p.Get("ip", ""), p.Int("port", 0), p.Bool("healthy", true))
            ? (true, "ok")
            : (false, $"errCode: 400, errMsg: instance not found: {p["ip"]}:{p["port"]}");
    }

    private static (bool, object?) Beat(SandboxCluster cluster, NacosParams p)
    {
        BeatInfo? beat = null;
        if (!string.IsNullOrWhiteSpace(p["beat"]))
        {
            try
            {
                beat = ParseBeat(p["beat"]!);
            }
            catch (JsonException exception)
            {
                return (false, "beat is not valid JSON: " + exception.Message);
            }
        }

        var serviceName = p.Get("serviceName", beat?.ServiceName ?? "");
        if (serviceName.Length == 0)
        {
            return (false, "Param 'serviceName' is required.");
        }

        var service = ServiceKey.From(p.Get("namespaceId", NamingDefaults.Namespace), serviceName, p["groupName"]);
        var ip = beat?.Ip ?? p.Get("ip", "");
        var port = beat?.Port ?? p.Int("port", 0);
        var clusterName = beat?.Cluster ?? p.Get("clusterName", NamingDefaults.Cluster);
        if (ip.Length == 0 || port <= 0)
        {
            return (false, "Param 'ip' and 'port' are required.");
        }

        var found = cluster.Naming.Beat(service, ip, port, clusterName, beat);
        var body = new Dictionary<string, object> { ["clientBeatInterval"] = 5000, ["code"] = found ? 10200 : 20404 };
        if (found)
        {
            body["lightBeatEnabled"] = true;
        }

        return (true, body);
    }

    private static BeatInfo ParseBeat(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        Dictionary<string, string>? metadata = null;
        if (root.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object)
        {
            metadata = m.EnumerateObject().ToDictionary(e => e.Name, e => e.Value.ValueKind == JsonValueKind.String ? e.Value.GetString()! : e.Value.GetRawText(), StringComparer.Ordinal);
        }

        var port = root.TryGetProperty("port", out var portValue) && portValue.ValueKind == JsonValueKind.Number ? portValue.GetInt32() : 0;
        double? weight = root.TryGetProperty("weight", out var w) && w.ValueKind == JsonValueKind.Number ? w.GetDouble() : null;
        return new BeatInfo(Text("ip"), port, Text("serviceName"), Text("cluster"), weight, metadata);
    }

    private static (string? Error, byte[]? Info) ListInstances(HttpContext context, SandboxNode node, NacosParams p)
    {
        if (Require(p, "serviceName") is { } missing)
        {
            return (missing, null);
        }

        var cluster = node.Cluster;
        var service = Service(p);
        var clusters = p.Get("clusters", "");
        var udpPort = p.Int("udpPort", 0);
        var view = cluster.Naming.List(service, clusters, p.Bool("healthyOnly", false));
        if (node.Faults.Mode == FaultMode.EmptyInstanceList)
        {
            view = view with { Hosts = [], ReachProtectionThreshold = false };
        }

        // Nacos answers every list call but subscribes only a known client agent (reference §2, UdpPushService.canEnablePush).
        var agent = PushClientAgent.Of(context.Request.Headers["Client-Version"].ToString(), context.Request.Headers.UserAgent.ToString());
        var pushable = udpPort > 0 && PushClientAgent.CanEnablePush(agent);
        if (pushable)
        {
            var clientIp = p.Get("clientIP", context.Connection.RemoteIpAddress?.ToString() ?? "127.0.0.1");
            if (IPAddress.TryParse(clientIp, out var address))
            {
                cluster.Push.Subscribe(service, clusters, new IPEndPoint(address, udpPort));
            }
        }

        var cacheMillis = pushable ? ServiceInfoJson.PushCacheMillis : ServiceInfoJson.DefaultCacheMillis;
        return (null, ServiceInfoJson.Serialize(view, cluster.Traits, cacheMillis));
    }

    private static (bool, string) UpsertService(SandboxCluster cluster, NacosParams p, bool update)
    {
        if (Require(p, "serviceName") is { } missing)
        {
            return (false, missing);
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var raw = p["metadata"];
        if (!string.IsNullOrWhiteSpace(raw) && !TryMetadata(raw, out metadata))
        {
            // Nacos also takes service metadata as k=v,k=v.
            metadata = raw.Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(kv => kv.Split('=', 2))
                .Where(kv => kv.Length == 2)
                .ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
        }

        var result = cluster.Naming.CreateService(Service(p), (float)p.Double("protectThreshold", 0), metadata, update);
        return result.Ok ? (true, "ok") : (false, "errCode: 400, errMsg: " + result.Error);
    }

    private static (bool, string) DeleteService(SandboxCluster cluster, NacosParams p)
    {
        if (Require(p, "serviceName") is { } missing)
        {
            return (false, missing);
        }

        var result = cluster.Naming.DeleteService(Service(p));
        return result.Ok ? (true, "ok") : (false, "errCode: 400, errMsg: " + result.Error);
    }

    private static (string?, object?) GetService(SandboxCluster cluster, NacosParams p)
    {
        if (Require(p, "serviceName") is { } missing)
        {
            return (missing, null);
        }

        var service = Service(p);
        var (metadata, threshold, exists) = cluster.Naming.ServiceMetadata(service);
        if (!exists)
        {
            return ($"errCode: 20004, errMsg: service not found: {service.GroupedName}", null);
        }

        var clusters = cluster.Naming.AllInstances(service).Select(i => i.ClusterName).Distinct(StringComparer.Ordinal)
            .Select(name => new { name, healthChecker = new { type = "TCP" }, metadata = new Dictionary<string, string>() });
        return (null, new
        {
            namespaceId = service.Namespace,
            groupName = service.Group,
            name = service.Name,
            protectThreshold = threshold,
            metadata,
            selector = new { type = "none" },
            clusters,
        });
    }

    /// <summary>One page of service names (no group) and the total of the namespace/group.</summary>
    private static (string? Error, ServicePage? Page) ListServices(SandboxCluster cluster, NacosParams p)
    {
        if (Require(p, "pageNo", "pageSize") is { } missing)
        {
            return (missing, null);
        }

        var pageNo = Math.Max(1, p.Int("pageNo", 1));
        var pageSize = Math.Max(1, p.Int("pageSize", 10));
        var all = cluster.Naming.Services(p.Get("namespaceId", NamingDefaults.Namespace), p.Get("groupName", NamingDefaults.Group));
        return (null, new ServicePage(all.Count, all.Skip((pageNo - 1) * pageSize).Take(pageSize).Select(k => k.Name).ToList()));
    }

    private static IResult Catalog(SandboxCluster cluster, NacosParams p)
    {
        var namespaceId = p.Get("namespaceId", NamingDefaults.Namespace);
        var nameFilter = p["serviceNameParam"];
        var groupFilter = p["groupNameParam"];
        var services = cluster.Naming.Services(namespaceId, null, k =>
                (string.IsNullOrEmpty(nameFilter) || k.Name.Contains(nameFilter, StringComparison.Ordinal))
                && (string.IsNullOrEmpty(groupFilter) || k.Group.Contains(groupFilter, StringComparison.Ordinal)))
            .ToList();

        if (p.Bool("withInstances", false))
        {
            return NacosResults.JsonBody(services.Select(k =>
            {
                var (metadata, _, _) = cluster.Naming.ServiceMetadata(k);
                var clusterMap = cluster.Naming.AllInstances(k)
                    .GroupBy(i => i.ClusterName, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => new
                    {
                        hosts = g.Select(i => new Dictionary<string, object?>
                        {
                            ["ip"] = i.Ip,
                            ["port"] = i.Port,
                            ["valid"] = i.Healthy,
                            ["healthy"] = i.Healthy,
                            ["marked"] = false,
                            ["instanceId"] = $"{i.Ip}#{i.Port.ToString(CultureInfo.InvariantCulture)}#{i.ClusterName}#{k.GroupedName}",
                            ["metadata"] = i.Metadata,
                            ["enabled"] = i.Enabled,
                            ["weight"] = i.Weight,
                            ["clusterName"] = i.ClusterName,
                            ["serviceName"] = k.Name,
                        }).ToList(),
                    }, StringComparer.Ordinal);
                return new { serviceName = k.Name, groupName = k.Group, metadata, clusterMap };
            }).ToList());
        }

        if (p.Bool("hasIpCount", false))
        {
            services = services.Where(k => cluster.Naming.Counts(k).IpCount > 0).ToList();
        }

        var pageNo = Math.Max(1, p.Int("pageNo", 1));
        var pageSize = Math.Max(1, p.Int("pageSize", 20));

        // Quirk: when the whole list is shorter than pageSize, every page returns all of it.
        var page = services.Count < pageSize ? services : services.Skip((pageNo - 1) * pageSize).Take(pageSize).ToList();
        return NacosResults.JsonBody(new
        {
            count = services.Count,
            serviceList = page.Select(k =>
            {
                var (clusterCount, ipCount, healthyCount) = cluster.Naming.Counts(k);
                return new { name = k.Name, groupName = k.Group, clusterCount, ipCount, healthyInstanceCount = healthyCount, triggerFlag = "false" };
            }).ToList(),
        });
    }

    internal static bool TryMetadata(string? json, out Dictionary<string, string> metadata)
    {
        metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json))
        {
            return true;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                metadata[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private sealed record ServicePage(int Count, List<string> Names);
}
