using System.Text.Json;
using NacosSync.Core.Naming;
using NacosSync.Nacos.Transport;

namespace NacosSync.Nacos.Naming;

/// <summary>
/// The naming API of one cluster over its <see cref="NacosTransport"/>: namespaces, services of all
/// groups, instances (the bulk catalog where the version has it), register, deregister, beat, health.
/// Each call goes through the dialect of the cluster's version line (<see cref="NacosServerVersion.HttpApi"/>,
/// read again when the version cache's TTL expires, so a cluster upgraded in place is followed):
/// v1 HTTP on 1.4–2.5, v1 client + v3 admin on 3.0–3.1, v3 on 3.2+. Callers never learn which.
/// The public namespace is called <c>public</c> on every version.
/// </summary>
internal sealed class NacosNamingClient(NacosTransport transport)
{
    /// <summary>Asked as one big page: paging is unstable while services change (reference §2).</summary>
    public const int BigPage = CatalogReader.BigPage;

    public const string PublicNamespace = "public";

    /// <inheritdoc cref="V1NamingDialect.PushAgent"/>
    internal const string PushAgent = V1NamingDialect.PushAgent;

    private readonly V1NamingDialect _v1 = new(transport);
    private readonly V3NamingDialect _v3 = new(transport);
    private MixedNamingDialect? _mixed;

    public NacosTransport Transport => transport;

    public Task<NacosServerVersion> GetVersionAsync(CancellationToken cancellationToken) => transport.GetServerVersionAsync(cancellationToken);

    public async Task<IReadOnlyList<NacosNamespace>> ListNamespacesAsync(CancellationToken cancellationToken) =>
        await (await DialectAsync(cancellationToken)).ListNamespacesAsync(cancellationToken);

    /// <summary>Creates a custom namespace with its name and description; one that exists already is left as it is.</summary>
    public async Task CreateNamespaceAsync(string id, string name, string description, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (id == PublicNamespace)
        {
            throw new ArgumentException("the public namespace exists on every cluster and cannot be created", nameof(id));
        }

        await (await DialectAsync(cancellationToken)).CreateNamespaceAsync(id, string.IsNullOrEmpty(name) ? id : name, description ?? "", cancellationToken);
    }

    /// <summary>
    /// Every service of every group with its instances, disabled ones included, in one call (v1
    /// <c>catalog/services?withInstances=true</c>, v3 <c>ns/service/list?withInstances=true</c>), parsed as it
    /// streams in. Null where the version has no such catalog (3.0–3.1).
    /// </summary>
    /// <param name="defaultEphemeral">The v1 catalog does not say whether an instance is ephemeral; assumed this when absent.</param>
    public async Task<IReadOnlyList<ServiceSnapshot>?> ReadCatalogAsync(string namespaceId, bool defaultEphemeral, CancellationToken cancellationToken) =>
        await (await DialectAsync(cancellationToken)).ReadCatalogAsync(namespaceId, defaultEphemeral, only: null, cancellationToken);

    /// <summary>
    /// One service from the catalog, disabled instances included (the v1 list call hides them); an empty
    /// snapshot when the service is gone; null where the version has no catalog (3.0–3.1).
    /// </summary>
    public async Task<ServiceSnapshot?> ReadServiceFromCatalogAsync(ServiceKey service, bool defaultEphemeral, CancellationToken cancellationToken)
    {
        // The catalog filters by "contains": ask narrowly, then pick the exact name.
        var services = await (await DialectAsync(cancellationToken)).ReadCatalogAsync(service.Namespace, defaultEphemeral, service, cancellationToken);
        return services is null ? null : services.FirstOrDefault(s => s.Key == service) ?? new ServiceSnapshot(service, []);
    }

    /// <summary>
    /// Names of every service of every group of a namespace (the v1 catalog, or the v3 admin list);
    /// where that does not answer, <c>service/list</c> for each of <paramref name="knownGroups"/>
    /// (one group per call is all that API offers).
    /// </summary>
    public async Task<IReadOnlyList<ServiceKey>> ListServicesAsync(string namespaceId, CancellationToken cancellationToken, IReadOnlyCollection<string>? knownGroups = null)
    {
        var dialect = await DialectAsync(cancellationToken);
        try
        {
            return await dialect.ListAllGroupsAsync(namespaceId, cancellationToken);
        }
        catch (NacosRejectedException ex) when (ex.StatusCode is 404 or 410 or 501 && knownGroups is { Count: > 0 })
        {
            var services = new List<ServiceKey>();
            foreach (var group in knownGroups)
            {
                services.AddRange(await dialect.ListGroupAsync(namespaceId, group, cancellationToken));
            }

            return services;
        }
    }

    /// <summary>The services of one group, as one big page.</summary>
    public async Task<IReadOnlyList<ServiceKey>> ListGroupAsync(string namespaceId, string group, CancellationToken cancellationToken) =>
        await (await DialectAsync(cancellationToken)).ListGroupAsync(namespaceId, group, cancellationToken);

    /// <summary>
    /// The service's instances (all clusters, healthy and not). v1 (<c>instance/list</c>) hides disabled
    /// instances; v3 shows them (<see cref="ServiceInstancesRead.IncludesDisabled"/> says which).
    /// <paramref name="udpPort"/> &gt; 0 subscribes <paramref name="clientIp"/>:udpPort to pushes where v1 has them.
    /// </summary>
    public async Task<ServiceInstancesRead> ListInstancesAsync(ServiceKey service, CancellationToken cancellationToken, int udpPort = 0, string? clientIp = null) =>
        await (await DialectAsync(cancellationToken)).ListInstancesAsync(service, udpPort, clientIp, cancellationToken);

    /// <summary>Parses a v1 ServiceInfo JSON (the list answer or a UDP push's data).</summary>
    internal static ServiceInstancesRead ParseServiceInfo(ServiceKey service, JsonElement root, string what) => NamingJson.ServiceInfo(service, root, what);

    /// <summary>Registers with every attribute (a re-registration replaces the metadata map and resets the heartbeat clock).</summary>
    public async Task RegisterAsync(NamingInstance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        await (await DialectAsync(cancellationToken)).RegisterAsync(instance, cancellationToken);
    }

    /// <summary>Sets the overlay (enabled, weight, metadata) so hand-made overlays are overwritten.</summary>
    public async Task UpdateAsync(NamingInstance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        await (await DialectAsync(cancellationToken)).UpdateAsync(instance, cancellationToken);
    }

    /// <summary>Deregisters; ip, port and ephemeral identify it (the cluster is not compared by the server).</summary>
    public async Task DeregisterAsync(NamingInstance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        await (await DialectAsync(cancellationToken)).DeregisterAsync(instance, cancellationToken);
    }

    /// <summary>
    /// A heartbeat. A full beat re-registers an unknown instance itself (v1: the beat JSON, with weight,
    /// since one without re-registers with weight 0; v3: a register after code 21003); a light beat
    /// answers <see cref="BeatOutcome.UnknownInstance"/> for one.
    /// </summary>
    public async Task<BeatOutcome> BeatAsync(NamingInstance instance, bool light, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return await (await DialectAsync(cancellationToken)).BeatAsync(instance, light, cancellationToken);
    }

    /// <summary>Sets a persistent instance's health (accepted only where the cluster's health checker is NONE).</summary>
    public async Task SetHealthAsync(NamingInstance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        await (await DialectAsync(cancellationToken)).SetHealthAsync(instance, cancellationToken);
    }

    /// <summary>The dialect of the cluster's line, from its (cached) version.</summary>
    private async Task<INamingDialect> DialectAsync(CancellationToken cancellationToken) =>
        (await transport.GetServerVersionAsync(cancellationToken)).HttpApi switch
        {
            NacosHttpApi.V1 => _v1,
            NacosHttpApi.V1ClientV3Admin => _mixed ??= new MixedNamingDialect(_v1, _v3),
            _ => _v3,
        };
}
