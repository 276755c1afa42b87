using System.Text.Json;
using System.Text.Json.Serialization;
using NacosSync.Core.Naming;
using NacosSync.Nacos.Transport;
using static NacosSync.Nacos.Naming.NamingJson;

namespace NacosSync.Nacos.Naming;

/// <summary>
/// Naming over the v1 HTTP API (reference §2), as 1.4–2.5 serve it: the console catalog for every
/// group with instances, <c>instance/list</c>, register, deregister, beat, update, health.
/// </summary>
internal sealed class V1NamingDialect(NacosTransport transport) : INamingDialect
{
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

    private const string CatalogPath = "/v1/ns/catalog/services";
    private const string InstancePath = "/v1/ns/instance";

    private static readonly IReadOnlyList<KeyValuePair<string, string>> PushAgentHeaders =
        [new("User-Agent", PushAgent), new("Client-Version", PushAgent)];

    public async Task<IReadOnlyList<NacosNamespace>> ListNamespacesAsync(CancellationToken cancellationToken)
    {
        const string path = "/v1/console/namespaces";
        var response = await transport.SendAsync(NacosRequest.Get(path), cancellationToken);
        using var document = NacosAnswers.ParseJson(response.Body, path);
        return Namespaces(transport.Name, path, NacosAnswers.Data(document.RootElement), response.Body);
    }

    /// <summary><c>POST /v1/console/namespaces</c> customNamespaceId, namespaceName, namespaceDesc (2.x <c>NamespaceController</c>).</summary>
    public async Task CreateNamespaceAsync(string id, string name, string description, CancellationToken cancellationToken)
    {
        await transport.SendAsync(NacosRequest.Post("/v1/console/namespaces", idempotent: true,
            P("customNamespaceId", id), P("namespaceName", name), P("namespaceDesc", description)), cancellationToken);
    }

    public async Task<IReadOnlyList<ServiceSnapshot>?> ReadCatalogAsync(string namespaceId, bool defaultEphemeral, ServiceKey? only, CancellationToken cancellationToken)
    {
        // The catalog filters by "contains": the facade picks the exact name.
        KeyValuePair<string, string>[] filters = only is { } s ? [P("serviceNameParam", s.Service), P("groupNameParam", s.Group)] : [];
        var request = NacosRequest.Get(CatalogPath,
            [P("namespaceId", namespaceId), P("pageNo", "1"), P("pageSize", Number(CatalogReader.BigPage)), P("withInstances", "true"), .. filters]);
        return await CatalogReader.ReadAsync(transport, request, v3: false,
            item => CatalogService(namespaceId, item, defaultEphemeral, requireClusterMap: false, CatalogPath), $"namespace '{namespaceId}'", cancellationToken);
    }

    public async Task<IReadOnlyList<ServiceKey>> ListAllGroupsAsync(string namespaceId, CancellationToken cancellationToken)
    {
        var request = NacosRequest.Get(CatalogPath, P("namespaceId", namespaceId), P("pageNo", "1"), P("pageSize", Number(CatalogReader.BigPage)));
        return await CatalogReader.ReadAsync(transport, request, v3: false, item => ServiceName(namespaceId, item, CatalogPath), $"namespace '{namespaceId}'", cancellationToken);
    }

    /// <summary>A service of a listing: <c>name</c> (maybe <c>group@@name</c>) and <c>groupName</c> (v1 catalog, v3 <c>ServiceView</c>).</summary>
    internal static ServiceKey ServiceName(string namespaceId, JsonElement item, string what)
    {
        var name = String(item, "name") ?? String(item, "serviceName") ?? throw Malformed(what, "a service without a name");
        return new ServiceKey(namespaceId, String(item, "groupName") ?? GroupOf(name) ?? "DEFAULT_GROUP", StripGroup(name));
    }

    /// <summary><c>GET /v1/ns/service/list</c> for one group, as one big page.</summary>
    public async Task<IReadOnlyList<ServiceKey>> ListGroupAsync(string namespaceId, string group, CancellationToken cancellationToken)
    {
        const string path = "/v1/ns/service/list";
        var response = await transport.SendAsync(NacosRequest.Get(path, P("namespaceId", namespaceId), P("groupName", group), P("pageNo", "1"),
            P("pageSize", Number(CatalogReader.BigPage))), cancellationToken);
        using var document = NacosAnswers.ParseJson(response.Body, path);
        var root = NacosAnswers.Data(document.RootElement);
        if (root.ValueKind != JsonValueKind.Object || !(root.TryGetProperty("doms", out var doms) || root.TryGetProperty("services", out doms)) || doms.ValueKind != JsonValueKind.Array)
        {
            throw Malformed(path, $"no doms in {NacosAnswers.Truncate(response.Body)}");
        }

        var count = root.TryGetProperty("count", out var c) && c.TryGetInt32(out var n) ? n : doms.GetArrayLength();
        if (doms.GetArrayLength() < count)
        {
            throw Malformed(path, $"namespace '{namespaceId}' group '{group}': {doms.GetArrayLength()} of {count} services in one page; the read would be partial");
        }

        return [.. doms.EnumerateArray().Select(d => new ServiceKey(namespaceId, group, StripGroup(d.GetString() ?? "")))];
    }

    public async Task<ServiceInstancesRead> ListInstancesAsync(ServiceKey service, int udpPort, string? clientIp, CancellationToken cancellationToken)
    {
        const string path = "/v1/ns/instance/list";
        var parameters = new List<KeyValuePair<string, string>>
        {
            P("serviceName", service.GroupedName), P("groupName", service.Group), P("namespaceId", service.Namespace), P("clusters", ""), P("healthyOnly", "false"),
        };
        if (udpPort > 0)
        {
            parameters.Add(P("udpPort", Number(udpPort)));
            parameters.Add(P("clientIP", clientIp ?? "127.0.0.1"));
        }

        var request = new NacosRequest(HttpMethod.Get, path, parameters) { Headers = udpPort > 0 ? PushAgentHeaders : [] };
        var response = await transport.SendAsync(request, cancellationToken);
        using var document = NacosAnswers.ParseJson(response.Body, path);
        return ServiceInfo(service, NacosAnswers.Data(document.RootElement), path);
    }

    public async Task RegisterAsync(NamingInstance instance, CancellationToken cancellationToken)
    {
        await transport.SendAsync(NacosRequest.Post(InstancePath, idempotent: true, Addressed(instance,
            P("weight", Weight(instance.Weight)), P("healthy", Bool(instance.Healthy)), P("enabled", Bool(instance.Enabled)),
            P("ephemeral", Bool(instance.Ephemeral)), P("metadata", Metadata(instance)))), cancellationToken);
    }

    public async Task UpdateAsync(NamingInstance instance, CancellationToken cancellationToken)
    {
        await transport.SendAsync(NacosRequest.Put(InstancePath, idempotent: true, Addressed(instance,
            P("weight", Weight(instance.Weight)), P("enabled", Bool(instance.Enabled)), P("ephemeral", Bool(instance.Ephemeral)),
            P("metadata", Metadata(instance)))), cancellationToken);
    }

    public async Task DeregisterAsync(NamingInstance instance, CancellationToken cancellationToken)
    {
        await transport.SendAsync(NacosRequest.Delete(InstancePath, idempotent: true, Addressed(instance, P("ephemeral", Bool(instance.Ephemeral)))), cancellationToken);
    }

    public async Task<BeatOutcome> BeatAsync(NamingInstance instance, bool light, CancellationToken cancellationToken)
    {
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

        using var document = NacosAnswers.ParseJson(response.Body, path);
        var root = NacosAnswers.Data(document.RootElement);
        return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("code", out var code) && code.TryGetInt32(out var value) && value == 20404
            ? BeatOutcome.UnknownInstance
            : BeatOutcome.Ok;
    }

    public async Task SetHealthAsync(NamingInstance instance, CancellationToken cancellationToken)
    {
        await transport.SendAsync(NacosRequest.Put("/v1/ns/health/instance", idempotent: true, Addressed(instance, P("healthy", Bool(instance.Healthy)))), cancellationToken);
    }

    /// <summary>A namespace list (v1 console, v3 admin: <c>[{namespace, namespaceShowName, ...}]</c>); the public one is <c>""</c> in 2.x, <c>public</c> in 3.x.</summary>
    internal static List<NacosNamespace> Namespaces(string cluster, string path, JsonElement data, string body)
    {
        if (data.ValueKind != JsonValueKind.Array)
        {
            throw new NacosMalformedResponseException($"{cluster}: {path}: no namespace array in {NacosAnswers.Truncate(body)}");
        }

        var namespaces = new List<NacosNamespace>();
        foreach (var item in data.EnumerateArray())
        {
            var id = String(item, "namespace") ?? "";
            namespaces.Add(new NacosNamespace(id.Length == 0 ? NacosNamingClient.PublicNamespace : id, String(item, "namespaceShowName") ?? id, String(item, "namespaceDesc") ?? ""));
        }

        return namespaces;
    }

    /// <summary>How every v1 instance call names its instance (service as <c>group@@name</c>, group, namespace, ip, port, cluster), then <paramref name="extra"/>.</summary>
    private static KeyValuePair<string, string>[] Addressed(NamingInstance instance, params KeyValuePair<string, string>[] extra)
    {
        var s = instance.Key.Service;
        return
        [
            P("ip", instance.Key.Ip), P("port", Port(instance)), P("serviceName", s.GroupedName), P("groupName", s.Group),
            P("namespaceId", s.Namespace), P("clusterName", instance.Key.Cluster), .. extra,
        ];
    }

    private sealed record BeatBody(
        [property: JsonPropertyName("ip")] string Ip,
        [property: JsonPropertyName("port")] int Port,
        [property: JsonPropertyName("serviceName")] string ServiceName,
        [property: JsonPropertyName("cluster")] string Cluster,
        [property: JsonPropertyName("weight")] double Weight,
        [property: JsonPropertyName("metadata")] IReadOnlyDictionary<string, string> Metadata,
        [property: JsonPropertyName("scheduled")] bool Scheduled,
        [property: JsonPropertyName("period")] long Period,
        [property: JsonPropertyName("stopped")] bool Stopped);
}
