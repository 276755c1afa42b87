using NacosSync.Core.Naming;

namespace NacosSync.Nacos.Naming;

/// <summary>
/// The naming calls of one version line's API (<see cref="Transport.NacosServerVersion.HttpApi"/>), behind
/// <see cref="NacosNamingClient"/>: v1 HTTP (<see cref="V1NamingDialect"/>), v3 HTTP (<see cref="V3NamingDialect"/>),
/// the 3.0–3.1 mix (<see cref="MixedNamingDialect"/>); a gRPC dialect can take the same seam. Each method
/// means what the facade's method of the same name says.
/// </summary>
internal interface INamingDialect
{
    Task<IReadOnlyList<NacosNamespace>> ListNamespacesAsync(CancellationToken cancellationToken);

    Task CreateNamespaceAsync(string id, string name, string description, CancellationToken cancellationToken);

    /// <summary>Every service with its instances (disabled included), or only <paramref name="only"/>; null where the line has no catalog.</summary>
    Task<IReadOnlyList<ServiceSnapshot>?> ReadCatalogAsync(string namespaceId, bool defaultEphemeral, ServiceKey? only, CancellationToken cancellationToken);

    Task<IReadOnlyList<ServiceKey>> ListAllGroupsAsync(string namespaceId, CancellationToken cancellationToken);

    Task<IReadOnlyList<ServiceKey>> ListGroupAsync(string namespaceId, string group, CancellationToken cancellationToken);

    Task<ServiceInstancesRead> ListInstancesAsync(ServiceKey service, int udpPort, string? clientIp, CancellationToken cancellationToken);

    Task RegisterAsync(NamingInstance instance, CancellationToken cancellationToken);

    Task UpdateAsync(NamingInstance instance, CancellationToken cancellationToken);

    Task DeregisterAsync(NamingInstance instance, CancellationToken cancellationToken);

    Task<BeatOutcome> BeatAsync(NamingInstance instance, bool light, CancellationToken cancellationToken);

    Task SetHealthAsync(NamingInstance instance, CancellationToken cancellationToken);
}
