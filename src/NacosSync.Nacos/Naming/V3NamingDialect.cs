using System.Text;
using NacosSync.Core.Naming;
using NacosSync.Nacos.Transport;
using static NacosSync.Nacos.Naming.NamingJson;

namespace NacosSync.Nacos.Naming;

/// <summary>
/// Naming over the v3 HTTP API (reference §8; read from alibaba/nacos 3.x
/// <c>naming/.../controllers/v3/InstanceOpenApiController.java</c> (<c>/v3/client/ns/instance</c>),
/// <c>InstanceControllerV3</c>, <c>ServiceControllerV3</c>, <c>HealthControllerV3</c> (<c>/v3/admin/ns/...</c>) and
/// <c>core/.../controller/v3/NamespaceControllerV3.java</c>). Every answer is a <c>Result {code, message, data}</c>.
/// v3 names a service by bare <c>serviceName</c> plus <c>groupName</c> (no <c>group@@name</c>).
/// </summary>
internal sealed class V3NamingDialect(NacosTransport transport) : INamingDialect
{
    private const string ClientInstancePath = "/v3/client/ns/instance";
    private const string ServiceListPath = "/v3/admin/ns/service/list";

    /// <summary><c>ErrorCode.INSTANCE_NOT_FOUND</c>: the heartbeat's "register again" (<c>InstanceOpenApiController.register</c>, heartBeat=true).</summary>
    internal const int InstanceNotFound = 21003;

    /// <summary><c>ErrorCode.NAMESPACE_ALREADY_EXIST</c> (HTTP 400, <c>NamespaceOperationService.isNamespaceExist</c>).</summary>
    internal const int NamespaceAlreadyExists = 22002;

    /// <summary><c>GET /v3/admin/core/namespace/list</c> → <c>Result&lt;List&lt;Namespace&gt;&gt;</c> (<c>namespace, namespaceShowName, namespaceDesc, type, ...</c>).</summary>
    public async Task<IReadOnlyList<NacosNamespace>> ListNamespacesAsync(CancellationToken cancellationToken)
    {
        const string path = "/v3/admin/core/namespace/list";
        var response = await transport.SendAsync(NacosRequest.Get(path), cancellationToken);
        using var result = NacosAnswers.ParseResult(response, $"{transport.Name}: {path}").EnsureSuccess($"{transport.Name}: {path}");
        return V1NamingDialect.Namespaces(transport.Name, path, result.Data, response.Body);
    }

    /// <summary>
    /// <c>POST /v3/admin/core/namespace</c> namespaceId, namespaceName, namespaceDesc (<c>NamespaceForm</c>). One that
    /// exists already answers HTTP 400 with code 22002: it is there, which is what was asked.
    /// </summary>
    public async Task CreateNamespaceAsync(string id, string name, string description, CancellationToken cancellationToken)
    {
        const string path = "/v3/admin/core/namespace";
        try
        {
            var response = await transport.SendAsync(NacosRequest.Post(path, idempotent: true,
                P("namespaceId", id), P("namespaceName", name), P("namespaceDesc", description)), cancellationToken);
            using var result = NacosAnswers.ParseResult(response, $"{transport.Name}: {path}").EnsureSuccess($"{transport.Name}: {path}");
        }
        catch (NacosRejectedException ex) when (ex.StatusCode == 400 && ex.ServerMessage.Contains("already exist", StringComparison.OrdinalIgnoreCase))
        {
            // NAMESPACE_ALREADY_EXIST: created meanwhile, or by an earlier run.
        }
    }

    /// <summary>
    /// <c>GET /v3/admin/ns/service/list?withInstances=true</c>: <c>Page&lt;ServiceDetailInfo&gt;</c> with every cluster's
    /// full <c>Instance</c>s (disabled and ephemeral flag included; <c>CatalogServiceV2Impl.pageListServiceDetail</c>).
    /// </summary>
    public async Task<IReadOnlyList<ServiceSnapshot>?> ReadCatalogAsync(string namespaceId, bool defaultEphemeral, ServiceKey? only, CancellationToken cancellationToken)
    {
        var request = ServiceList(namespaceId, only?.Group ?? "", only?.Service ?? "", withInstances: true);
        return await CatalogReader.ReadAsync(transport, request, v3: true,
            item => CatalogService(namespaceId, item, defaultEphemeral, requireClusterMap: true, ServiceListPath), $"namespace '{namespaceId}'", cancellationToken);
    }

    /// <summary><c>GET /v3/admin/ns/service/list</c>: <c>Page&lt;ServiceView&gt;</c> (<c>name, groupName, clusterCount, ipCount, ...</c>) of every group.</summary>
    public async Task<IReadOnlyList<ServiceKey>> ListAllGroupsAsync(string namespaceId, CancellationToken cancellationToken) =>
        await CatalogReader.ReadAsync(transport, ServiceList(namespaceId, "", "", withInstances: false), v3: true,
            item => V1NamingDialect.ServiceName(namespaceId, item, ServiceListPath), $"namespace '{namespaceId}'", cancellationToken);

    /// <summary>The admin list filtered by group (a "contains" pattern on the server), then the exact group.</summary>
    public async Task<IReadOnlyList<ServiceKey>> ListGroupAsync(string namespaceId, string group, CancellationToken cancellationToken)
    {
        var services = await CatalogReader.ReadAsync(transport, ServiceList(namespaceId, group, "", withInstances: false), v3: true,
            item => V1NamingDialect.ServiceName(namespaceId, item, ServiceListPath), $"namespace '{namespaceId}' group '{group}'", cancellationToken);
        return [.. services.Where(s => s.Group == group)];
    }

    /// <summary>
    /// One service's instances of every cluster, disabled ones included: the admin catalog narrowed to the service.
    /// Not <c>/v3/client/ns/instance/list</c>: its <c>InstanceListForm</c> fills a blank <c>clusterName</c> with
    /// <c>DEFAULT</c>, so it answers one cluster only, and it hides disabled instances. No push subscription
    /// exists over v3 HTTP (<c>udpPort</c> is ignored): changes are seen by listing again.
    /// </summary>
    public async Task<ServiceInstancesRead> ListInstancesAsync(ServiceKey service, int udpPort, string? clientIp, CancellationToken cancellationToken)
    {
        var catalog = await ReadCatalogAsync(service.Namespace, defaultEphemeral: true, service, cancellationToken);
        var snapshot = catalog!.FirstOrDefault(s => s.Key == service) ?? new ServiceSnapshot(service, []);
        return new ServiceInstancesRead(snapshot, IncludesDisabled: true, LastRefTime: 0);
    }

    /// <summary><c>POST /v3/client/ns/instance</c> with every attribute (<c>InstanceForm</c>); answers <c>Result "ok"</c>.</summary>
    public async Task RegisterAsync(NamingInstance instance, CancellationToken cancellationToken) =>
        await SendAsync(NacosRequest.Post(ClientInstancePath, idempotent: true, Addressed(instance,
            P("weight", Weight(instance.Weight)), P("healthy", Bool(instance.Healthy)), P("enabled", Bool(instance.Enabled)),
            P("ephemeral", Bool(instance.Ephemeral)), P("metadata", Metadata(instance)))), cancellationToken);

    /// <summary><c>PUT /v3/admin/ns/instance</c>: the overlay (weight, enabled, metadata).</summary>
    public async Task UpdateAsync(NamingInstance instance, CancellationToken cancellationToken) =>
        await SendAsync(NacosRequest.Put("/v3/admin/ns/instance", idempotent: true, Addressed(instance,
            P("weight", Weight(instance.Weight)), P("enabled", Bool(instance.Enabled)), P("ephemeral", Bool(instance.Ephemeral)),
            P("metadata", Metadata(instance)))), cancellationToken);

    /// <summary><c>DELETE /v3/client/ns/instance</c>; "ok" even when nothing existed.</summary>
    public async Task DeregisterAsync(NamingInstance instance, CancellationToken cancellationToken) =>
        await SendAsync(NacosRequest.Delete(ClientInstancePath, idempotent: true, Addressed(instance, P("ephemeral", Bool(instance.Ephemeral)))), cancellationToken);

    /// <summary>
    /// <c>POST /v3/client/ns/instance?heartBeat=true</c>: <c>Result "ok"</c>, or code 21003 (HTTP 200) for an instance
    /// the server does not know. v3 has only this light beat; a full beat (<paramref name="light"/> false) means
    /// "re-register an unknown instance", so it registers on 21003 as a v1 full beat would.
    /// </summary>
    public async Task<BeatOutcome> BeatAsync(NamingInstance instance, bool light, CancellationToken cancellationToken)
    {
        var response = await transport.SendAsync(NacosRequest.Post(ClientInstancePath, idempotent: true, Addressed(instance, P("heartBeat", "true"))), cancellationToken);
        using var result = NacosAnswers.ParseResult(response, $"{transport.Name}: heartbeat");
        if (result.Code == InstanceNotFound)
        {
            if (light)
            {
                return BeatOutcome.UnknownInstance;
            }

            await RegisterAsync(instance, cancellationToken);
            return BeatOutcome.Ok;
        }

        result.EnsureSuccess($"{transport.Name}: heartbeat of {instance.Key}");
        return BeatOutcome.Ok;
    }

    /// <summary><c>PUT /v3/admin/ns/health/instance</c> (<c>UpdateHealthForm</c>: namespaceId, groupName, serviceName, clusterName, ip, port, healthy).</summary>
    public async Task SetHealthAsync(NamingInstance instance, CancellationToken cancellationToken) =>
        await SendAsync(NacosRequest.Put("/v3/admin/ns/health/instance", idempotent: true, Addressed(instance, P("healthy", Bool(instance.Healthy)))), cancellationToken);

    private async Task SendAsync(NacosRequest request, CancellationToken cancellationToken)
    {
        var response = await transport.SendAsync(request, cancellationToken);
        using var result = NacosAnswers.ParseResult(response, $"{transport.Name}: {request}").EnsureSuccess($"{transport.Name}: {request}");
    }

    /// <summary><c>ServiceListForm</c> + <c>PageForm</c>: one big page; the filters are "contains" regexes on the server.</summary>
    private static NacosRequest ServiceList(string namespaceId, string group, string service, bool withInstances) => NacosRequest.Get(ServiceListPath,
        P("namespaceId", namespaceId), P("groupNameParam", Pattern(group)), P("serviceNameParam", Pattern(service)), P("ignoreEmptyService", "false"),
        P("withInstances", Bool(withInstances)), P("pageNo", "1"), P("pageSize", Number(CatalogReader.BigPage)));

    /// <summary>
    /// The server matches <c>.*group.*@@.*name.*</c> as a Java regex (<c>CatalogServiceV2Impl.patternServices</c>): a
    /// name with regex characters must be escaped or the read fails or misses. <c>. - _ :</c> stay as they are
    /// (a dot matching any character only widens the match; the exact name is picked here).
    /// </summary>
    internal static string Pattern(string text)
    {
        if (text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':'))
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            escaped.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':' || c > 127 ? "" : "\\").Append(c);
        }

        return escaped.ToString();
    }

    /// <summary>How every v3 instance call names its instance (<c>InstanceForm</c>): bare serviceName, groupName, namespaceId, ip, port, clusterName.</summary>
    private static KeyValuePair<string, string>[] Addressed(NamingInstance instance, params KeyValuePair<string, string>[] extra)
    {
        var s = instance.Key.Service;
        return
        [
            P("ip", instance.Key.Ip), P("port", Port(instance)), P("serviceName", s.Service), P("groupName", s.Group),
            P("namespaceId", s.Namespace), P("clusterName", instance.Key.Cluster), .. extra,
        ];
    }
}
