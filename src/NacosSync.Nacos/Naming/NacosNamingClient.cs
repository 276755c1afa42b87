using System.Globalization;
using System.Text.Json;
using NacosSync.Core.Naming;
using NacosSync.Nacos.Transport;

namespace NacosSync.Nacos.Naming;

/// <summary>A namespace of a cluster; the public one is always <c>public</c> here, whatever the version calls it.</summary>
internal sealed record NacosNamespace(string Id, string Name);

/// <summary>What <c>instance/list</c> answered for one service.</summary>
/// <param name="IncludesDisabled">False: <c>instance/list</c> hides disabled instances.</param>
internal sealed record ServiceInstancesRead(ServiceSnapshot Service, bool IncludesDisabled, long LastRefTime);

/// <summary>The answer to a beat.</summary>
internal enum BeatOutcome
{
    Ok,

    /// <summary>Code 20404: the server does not know the instance (expired, deregistered, or a restarted server).</summary>
    UnknownInstance,
}

/// <summary>
/// The naming HTTP API (reference §2) over one cluster's <see cref="NacosTransport"/>: namespaces,
/// services of all groups, instances (the bulk catalog where the version has it), register,
/// deregister, beat, health. Public namespace is called <c>public</c> on every version.
/// </summary>
internal sealed class NacosNamingClient(NacosTransport transport)
{
    /// <summary>Asked as one big page: paging is unstable while services change (reference §2).</summary>
    public const int BigPage = 100_000;

    public const string PublicNamespace = "public";

    public NacosTransport Transport => transport;

    public Task<NacosServerVersion> GetVersionAsync(CancellationToken cancellationToken) => transport.GetServerVersionAsync(cancellationToken);

    public async Task<IReadOnlyList<NacosNamespace>> ListNamespacesAsync(CancellationToken cancellationToken)
    {
        var version = await transport.GetServerVersionAsync(cancellationToken);
        var path = version.HasConsoleNamespaces ? "/v1/console/namespaces" : "/v3/admin/core/namespace/list";
        var response = await transport.SendAsync(NacosRequest.Get(path), cancellationToken);
        using var document = NacosTransport.ParseJson(response.Body, path);
        var data = Data(document.RootElement);
        if (data.ValueKind != JsonValueKind.Array)
        {
            throw new NacosMalformedResponseException($"{transport.Name}: {path}: no namespace array in {NacosTransport.Truncate(response.Body)}");
        }

        var namespaces = new List<NacosNamespace>();
        foreach (var item in data.EnumerateArray())
        {
            var id = String(item, "namespace") ?? "";
            namespaces.Add(new NacosNamespace(id.Length == 0 ? PublicNamespace : id, String(item, "namespaceShowName") ?? id));
        }

        return namespaces;
    }

    /// <summary>
    /// Every service of every group with its instances, disabled ones included, in one call
    /// (<c>catalog/services?withInstances=true</c>). Null when the version has no console catalog (3.0).
    /// </summary>
    /// <param name="defaultEphemeral">The catalog does not say whether an instance is ephemeral; assumed this when absent.</param>
    public Task<IReadOnlyList<ServiceSnapshot>?> ReadCatalogAsync(string namespaceId, bool defaultEphemeral, CancellationToken cancellationToken) =>
        ReadCatalogCoreAsync(namespaceId, defaultEphemeral, [], cancellationToken);

    /// <summary>
    /// One service from the catalog, disabled instances included (the list call hides them); an empty
    /// snapshot when the service is gone; null when the version has no console catalog (3.0).
    /// </summary>
    public async Task<ServiceSnapshot?> ReadServiceFromCatalogAsync(ServiceKey service, bool defaultEphemeral, CancellationToken cancellationToken)
    {
        // The catalog filters by "contains": ask narrowly, then pick the exact name.
        var services = await ReadCatalogCoreAsync(service.Namespace, defaultEphemeral, [P("serviceNameParam", service.Service), P("groupNameParam", service.Group)], cancellationToken);
        return services is null ? null : services.FirstOrDefault(s => s.Key == service) ?? new ServiceSnapshot(service, []);
    }

    private async Task<IReadOnlyList<ServiceSnapshot>?> ReadCatalogCoreAsync(string namespaceId, bool defaultEphemeral, KeyValuePair<string, string>[] filters, CancellationToken cancellationToken)
    {
        var version = await transport.GetServerVersionAsync(cancellationToken);
        if (!version.HasConsoleCatalog)
        {
            return null;
        }

        const string path = "/v1/ns/catalog/services";
        var response = await transport.SendAsync(NacosRequest.Get(path,
            [P("namespaceId", namespaceId), P("pageNo", "1"), P("pageSize", BigPage.ToString(CultureInfo.InvariantCulture)), P("withInstances", "true"), .. filters]), cancellationToken);
        using var document = NacosTransport.ParseJson(response.Body, path);
        var root = Data(document.RootElement);
        var list = root.ValueKind == JsonValueKind.Array ? root
            : root.ValueKind == JsonValueKind.Object && root.TryGetProperty("serviceList", out var s) && s.ValueKind == JsonValueKind.Array ? s
            : throw new NacosMalformedResponseException($"{transport.Name}: {path}: no service list in {NacosTransport.Truncate(response.Body)}");
        if (list.GetArrayLength() >= BigPage)
        {
            throw new NacosMalformedResponseException($"{transport.Name}: {path}: namespace '{namespaceId}' holds {BigPage} or more services; a one-page read would be partial");
        }

        var services = new List<ServiceSnapshot>(list.GetArrayLength());
        foreach (var item in list.EnumerateArray())
        {
            var group = String(item, "groupName") ?? "DEFAULT_GROUP";
            var name = StripGroup(String(item, "serviceName") ?? String(item, "name") ?? throw Malformed(path, "a service without a name"));
            var key = new ServiceKey(namespaceId, group, name);
            var instances = new List<NamingInstance>();
            if (item.TryGetProperty("clusterMap", out var clusters) && clusters.ValueKind == JsonValueKind.Object)
            {
                foreach (var cluster in clusters.EnumerateObject())
                {
                    if (cluster.Value.ValueKind == JsonValueKind.Object && cluster.Value.TryGetProperty("hosts", out var hosts) && hosts.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var host in hosts.EnumerateArray())
                        {
                            instances.Add(ParseInstance(key, host, cluster.Name, defaultEphemeral, path));
                        }
                    }
                }
            }

            services.Add(new ServiceSnapshot(key, instances));
        }

        return services;
    }

    /// <summary>
    /// Names of every service of every group of a namespace: the catalog where present, else the v3
    /// admin list; where neither answers, <c>service/list</c> for each of <paramref name="knownGroups"/>
    /// (one group per call is all that API offers).
    /// </summary>
    public async Task<IReadOnlyList<ServiceKey>> ListServicesAsync(string namespaceId, CancellationToken cancellationToken, IReadOnlyCollection<string>? knownGroups = null)
    {
        try
        {
            return await ListAllGroupsAsync(namespaceId, cancellationToken);
        }
        catch (NacosRejectedException ex) when (ex.StatusCode is 404 or 410 or 501 && knownGroups is { Count: > 0 })
        {
            var services = new List<ServiceKey>();
            foreach (var group in knownGroups)
            {
                services.AddRange(await ListGroupAsync(namespaceId, group, cancellationToken));
            }

            return services;
        }
    }

    /// <summary><c>GET /v1/ns/service/list</c> for one group, as one big page.</summary>
    public async Task<IReadOnlyList<ServiceKey>> ListGroupAsync(string namespaceId, string group, CancellationToken cancellationToken)
    {
        const string path = "/v1/ns/service/list";
        var response = await transport.SendAsync(NacosRequest.Get(path, P("namespaceId", namespaceId), P("groupName", group), P("pageNo", "1"),
            P("pageSize", BigPage.ToString(CultureInfo.InvariantCulture))), cancellationToken);
        using var document = NacosTransport.ParseJson(response.Body, path);
        var root = Data(document.RootElement);
        if (root.ValueKind != JsonValueKind.Object || !(root.TryGetProperty("doms", out var doms) || root.TryGetProperty("services", out doms)) || doms.ValueKind != JsonValueKind.Array)
        {
            throw Malformed(path, $"no doms in {NacosTransport.Truncate(response.Body)}");
        }

        var count = root.TryGetProperty("count", out var c) && c.TryGetInt32(out var n) ? n : doms.GetArrayLength();
        if (doms.GetArrayLength() < count)
        {
            throw Malformed(path, $"namespace '{namespaceId}' group '{group}': {doms.GetArrayLength()} of {count} services in one page; the read would be partial");
        }

        return [.. doms.EnumerateArray().Select(d => new ServiceKey(namespaceId, group, StripGroup(d.GetString() ?? "")))];
    }

    private async Task<IReadOnlyList<ServiceKey>> ListAllGroupsAsync(string namespaceId, CancellationToken cancellationToken)
    {
        var version = await transport.GetServerVersionAsync(cancellationToken);
        var path = version.HasConsoleCatalog ? "/v1/ns/catalog/services" : "/v3/admin/ns/service/list";
        var request = version.HasConsoleCatalog
            ? NacosRequest.Get(path, P("namespaceId", namespaceId), P("pageNo", "1"), P("pageSize", BigPage.ToString(CultureInfo.InvariantCulture)))
            : NacosRequest.Get(path, P("namespaceId", namespaceId), P("groupNameParam", ""), P("serviceNameParam", ""), P("ignoreEmptyService", "false"),
                P("pageNo", "1"), P("pageSize", BigPage.ToString(CultureInfo.InvariantCulture)));
        var response = await transport.SendAsync(request, cancellationToken);
        using var document = NacosTransport.ParseJson(response.Body, path);
        var root = Data(document.RootElement);
        JsonElement list = default;
        var found = root.ValueKind == JsonValueKind.Array ? (list = root).ValueKind == JsonValueKind.Array
            : root.ValueKind == JsonValueKind.Object && (root.TryGetProperty("serviceList", out list) || root.TryGetProperty("pageItems", out list)) && list.ValueKind == JsonValueKind.Array;
        if (!found)
        {
            throw Malformed(path, $"no service list in {NacosTransport.Truncate(response.Body)}");
        }

        var count = root.ValueKind == JsonValueKind.Object && (root.TryGetProperty("count", out var c) || root.TryGetProperty("totalCount", out c)) && c.TryGetInt32(out var n) ? n : list.GetArrayLength();
        if (list.GetArrayLength() < count)
        {
            throw Malformed(path, $"namespace '{namespaceId}': {list.GetArrayLength()} of {count} services in one page; the read would be partial");
        }

        var services = new List<ServiceKey>(list.GetArrayLength());
        foreach (var item in list.EnumerateArray())
        {
            var name = String(item, "name") ?? String(item, "serviceName") ?? throw Malformed(path, "a service without a name");
            services.Add(new ServiceKey(namespaceId, String(item, "groupName") ?? GroupOf(name) ?? "DEFAULT_GROUP", StripGroup(name)));
        }

        return services;
    }

    /// <summary>
    /// <c>GET /v1/ns/instance/list</c>: the service's instances (all clusters, healthy and not).
    /// Hides disabled instances. <paramref name="udpPort"/> &gt; 0 subscribes <paramref name="clientIp"/>:udpPort to pushes.
    /// </summary>
    public async Task<ServiceInstancesRead> ListInstancesAsync(ServiceKey service, CancellationToken cancellationToken, int udpPort = 0, string? clientIp = null)
    {
        const string path = "/v1/ns/instance/list";
        var parameters = new List<KeyValuePair<string, string>>
        {
            P("serviceName", service.GroupedName), P("groupName", service.Group), P("namespaceId", service.Namespace), P("clusters", ""), P("healthyOnly", "false"),
        };
        if (udpPort > 0)
        {
            parameters.Add(P("udpPort", udpPort.ToString(CultureInfo.InvariantCulture)));
            parameters.Add(P("clientIP", clientIp ?? "127.0.0.1"));
        }

        var request = new NacosRequest(HttpMethod.Get, path, parameters) { Headers = udpPort > 0 ? PushAgentHeaders : [] };
        var response = await transport.SendAsync(request, cancellationToken);
        using var document = NacosTransport.ParseJson(response.Body, path);
        return ParseServiceInfo(service, Data(document.RootElement), path);
    }

    /// <summary>
    /// The agent a subscribing list call names. Nacos pushes only to a known client at a minimum version
    /// (<c>UdpPushService.canEnablePush</c>, 1.x and 2.x; it reads <c>Client-Version</c>, else <c>User-Agent</c>):
    /// Java and Go from 0.1.0, C and C++ from 1.0.12, C# from 0.9.0, DNS from 0.4.3; any other agent is
    /// answered but subscribed to nothing. We are an HTTP client on .NET, so we name the C# client (the
    /// only known type that is ours in kind, not another language's) at the version that has pushes:
    /// claiming the Java client would also be accepted but would be a lie about the language, and a
    /// product name of our own (NacosSync/x) is an unknown agent to every server.
    /// </summary>
    internal const string PushAgent = "Nacos-CSharp-Client:v0.9.0";

    private static readonly IReadOnlyList<KeyValuePair<string, string>> PushAgentHeaders =
        [new("User-Agent", PushAgent), new("Client-Version", PushAgent)];

    /// <summary>Parses a ServiceInfo JSON (the list answer or a UDP push's data).</summary>
    internal static ServiceInstancesRead ParseServiceInfo(ServiceKey service, JsonElement root, string what)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new NacosMalformedResponseException($"{what}: the service info is not an object");
        }

        var instances = new List<NamingInstance>();
        if (root.TryGetProperty("hosts", out var hosts) && hosts.ValueKind == JsonValueKind.Array)
        {
            foreach (var host in hosts.EnumerateArray())
            {
                instances.Add(ParseInstance(service, host, String(host, "clusterName") ?? "DEFAULT", defaultEphemeral: true, what));
            }
        }

        var lastRefTime = root.TryGetProperty("lastRefTime", out var t) && t.TryGetInt64(out var ms) ? ms : 0;
        return new ServiceInstancesRead(new ServiceSnapshot(service, instances), IncludesDisabled: false, lastRefTime);
    }

    /// <summary><c>POST /v1/ns/instance</c> with every attribute (a re-registration replaces the metadata map and resets the heartbeat clock).</summary>
    public async Task RegisterAsync(NamingInstance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        await transport.SendAsync(NacosRequest.Post("/v1/ns/instance", idempotent: true, Addressed(instance,
            P("weight", Weight(instance.Weight)), P("healthy", Bool(instance.Healthy)), P("enabled", Bool(instance.Enabled)),
            P("ephemeral", Bool(instance.Ephemeral)), P("metadata", JsonSerializer.Serialize(instance.Metadata)))), cancellationToken);
    }

    /// <summary><c>PUT /v1/ns/instance</c>: sets the overlay (enabled, weight, metadata) so hand-made overlays are overwritten.</summary>
    public async Task UpdateAsync(NamingInstance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        await transport.SendAsync(NacosRequest.Put("/v1/ns/instance", idempotent: true, Addressed(instance,
            P("weight", Weight(instance.Weight)), P("enabled", Bool(instance.Enabled)), P("ephemeral", Bool(instance.Ephemeral)),
            P("metadata", JsonSerializer.Serialize(instance.Metadata)))), cancellationToken);
    }

    /// <summary><c>DELETE /v1/ns/instance</c>; ip, port and ephemeral identify it (the cluster is not compared by the server).</summary>
    public async Task DeregisterAsync(NamingInstance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        await transport.SendAsync(NacosRequest.Delete("/v1/ns/instance", idempotent: true, Addressed(instance,
            P("ephemeral", Bool(instance.Ephemeral)))), cancellationToken);
    }

    /// <summary>
    /// <c>PUT /v1/ns/instance/beat</c>. A full beat carries the whole beat JSON (with weight: a beat
    /// without one re-registers with weight 0), so the server re-registers an unknown instance itself;
    /// a light beat is ip, port and cluster only and answers <see cref="BeatOutcome.UnknownInstance"/> for one.
    /// </summary>
    public async Task<BeatOutcome> BeatAsync(NamingInstance instance, bool light, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var s = instance.Key.Service;
        var parameters = new List<KeyValuePair<string, string>>(Addressed(instance));
        if (!light)
        {
            parameters.Add(P("beat", JsonSerializer.Serialize(new BeatBody(instance.Key.Ip, instance.Key.Port, s.GroupedName, instance.Key.Cluster,
                instance.Weight, instance.Metadata, Scheduled: false, Period: 5000, Stopped: false))));
        }

        const string path = "/v1/ns/instance/beat";
        NacosResponse response;
        try
        {
            response = await transport.SendAsync(new NacosRequest(HttpMethod.Put, path, parameters, Idempotent: true), cancellationToken);
        }
        catch (NacosRejectedException ex) when (ex.StatusCode == 404 || ex.ServerMessage.Contains("not found", StringComparison.OrdinalIgnoreCase))
        {
            return BeatOutcome.UnknownInstance;
        }

        using var document = NacosTransport.ParseJson(response.Body, path);
        var root = Data(document.RootElement);
        return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("code", out var code) && code.TryGetInt32(out var value) && value == 20404
            ? BeatOutcome.UnknownInstance
            : BeatOutcome.Ok;
    }

    /// <summary><c>PUT /v1/ns/health/instance</c>: sets a persistent instance's health (accepted only where the cluster's health checker is NONE).</summary>
    public async Task SetHealthAsync(NamingInstance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        await transport.SendAsync(NacosRequest.Put("/v1/ns/health/instance", idempotent: true, Addressed(instance,
            P("healthy", Bool(instance.Healthy)))), cancellationToken);
    }

    private sealed record BeatBody(
        [property: System.Text.Json.Serialization.JsonPropertyName("ip")] string Ip,
        [property: System.Text.Json.Serialization.JsonPropertyName("port")] int Port,
        [property: System.Text.Json.Serialization.JsonPropertyName("serviceName")] string ServiceName,
        [property: System.Text.Json.Serialization.JsonPropertyName("cluster")] string Cluster,
        [property: System.Text.Json.Serialization.JsonPropertyName("weight")] double Weight,
        [property: System.Text.Json.Serialization.JsonPropertyName("metadata")] IReadOnlyDictionary<string, string> Metadata,
        [property: System.Text.Json.Serialization.JsonPropertyName("scheduled")] bool Scheduled,
        [property: System.Text.Json.Serialization.JsonPropertyName("period")] long Period,
        [property: System.Text.Json.Serialization.JsonPropertyName("stopped")] bool Stopped);

    private static NamingInstance ParseInstance(ServiceKey service, JsonElement host, string cluster, bool defaultEphemeral, string what)
    {
        var ip = String(host, "ip") ?? throw Malformed(what, "an instance without ip");
        var port = host.TryGetProperty("port", out var p) && p.TryGetInt32(out var portValue) ? portValue : throw Malformed(what, $"instance {ip} without port");
        var weight = host.TryGetProperty("weight", out var w) && w.TryGetDouble(out var weightValue) ? weightValue : 1.0;
        var healthy = Boolean(host, "healthy") ?? Boolean(host, "valid") ?? true;
        var enabled = Boolean(host, "enabled") ?? Boolean(host, "enable") ?? true;
        var ephemeral = Boolean(host, "ephemeral") ?? defaultEphemeral;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (host.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object)
        {
            foreach (var entry in m.EnumerateObject())
            {
                metadata[entry.Name] = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : entry.Value.GetRawText();
            }
        }

        var clusterName = String(host, "clusterName") ?? cluster;
        return new NamingInstance(new InstanceKey(service, clusterName, ip, port), weight, enabled, healthy, ephemeral, metadata);
    }

    /// <summary>The v2 wrapper's <c>data</c>, when the answer is <c>{"code":..,"data":..}</c>; else the root.</summary>
    private static JsonElement Data(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("data", out var data) && root.TryGetProperty("code", out _) ? data : root;

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool? Boolean(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => bool.TryParse(value.GetString(), out var b) ? b : null,
            _ => null,
        } : null;

    private static string StripGroup(string name) => name.IndexOf("@@", StringComparison.Ordinal) is var i and >= 0 ? name[(i + 2)..] : name;

    private static string? GroupOf(string name) => name.IndexOf("@@", StringComparison.Ordinal) is var i and >= 0 ? name[..i] : null;

    private static NacosMalformedResponseException Malformed(string what, string detail) => new($"{what}: {detail}");

    private static KeyValuePair<string, string> P(string key, string value) => new(key, value);

    /// <summary>How every instance call names its instance (service, group, namespace, ip, port, cluster), then <paramref name="extra"/>.</summary>
    private static KeyValuePair<string, string>[] Addressed(NamingInstance instance, params KeyValuePair<string, string>[] extra)
    {
        var s = instance.Key.Service;
        return
        [
            P("ip", instance.Key.Ip), P("port", Port(instance)), P("serviceName", s.GroupedName), P("groupName", s.Group),
            P("namespaceId", s.Namespace), P("clusterName", instance.Key.Cluster), .. extra,
        ];
    }

    private static string Port(NamingInstance instance) => instance.Key.Port.ToString(CultureInfo.InvariantCulture);

    private static string Weight(double weight) => weight.ToString("R", CultureInfo.InvariantCulture);

    private static string Bool(bool value) => value ? "true" : "false";
}
