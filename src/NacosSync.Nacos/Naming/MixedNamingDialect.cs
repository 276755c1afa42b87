using NacosSync.Core.Naming;

namespace NacosSync.Nacos.Naming;

/// <summary>
/// Naming on 3.0–3.1 (reference §8): the v1 client APIs still answer (register, deregister, beat,
/// <c>instance/list</c>, <c>service/list</c> are <c>OPEN_API</c> in 3.0.3's <c>@Compatibility</c>), while the v1
/// console and admin APIs answer 410 (catalog, namespaces, instance update, health): those go to v3 admin.
/// There is no catalog with instances here: services are listed, then each read with <c>instance/list</c>.
/// </summary>
internal sealed class MixedNamingDialect(V1NamingDialect client, V3NamingDialect admin) : INamingDialect
{
    public Task<IReadOnlyList<NacosNamespace>> ListNamespacesAsync(CancellationToken cancellationToken) => admin.ListNamespacesAsync(cancellationToken);

    public Task CreateNamespaceAsync(string id, string name, string description, CancellationToken cancellationToken) =>
        admin.CreateNamespaceAsync(id, name, description, cancellationToken);

    /// <summary>
    /// None: the v1 console catalog is 410. (3.0.3's v3 admin list has <c>withInstances</c>; it is used from 3.2 on,
    /// where nothing else lists instances of every cluster.)
    /// </summary>
    public Task<IReadOnlyList<ServiceSnapshot>?> ReadCatalogAsync(string namespaceId, bool defaultEphemeral, ServiceKey? only, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ServiceSnapshot>?>(null);

    public Task<IReadOnlyList<ServiceKey>> ListAllGroupsAsync(string namespaceId, CancellationToken cancellationToken) => admin.ListAllGroupsAsync(namespaceId, cancellationToken);

    public Task<IReadOnlyList<ServiceKey>> ListGroupAsync(string namespaceId, string group, CancellationToken cancellationToken) =>
        client.ListGroupAsync(namespaceId, group, cancellationToken);

    public Task<ServiceInstancesRead> ListInstancesAsync(ServiceKey service, int udpPort, string? clientIp, CancellationToken cancellationToken) =>
        client.ListInstancesAsync(service, udpPort, clientIp, cancellationToken);

    public Task RegisterAsync(NamingInstance instance, CancellationToken cancellationToken) => client.RegisterAsync(instance, cancellationToken);

    public Task UpdateAsync(NamingInstance instance, CancellationToken cancellationToken) => admin.UpdateAsync(instance, cancellationToken);

    public Task DeregisterAsync(NamingInstance instance, CancellationToken cancellationToken) => client.DeregisterAsync(instance, cancellationToken);

    public Task<BeatOutcome> BeatAsync(NamingInstance instance, bool light, CancellationToken cancellationToken) => client.BeatAsync(instance, light, cancellationToken);

    public Task SetHealthAsync(NamingInstance instance, CancellationToken cancellationToken) => admin.SetHealthAsync(instance, cancellationToken);
}
