using System.Security.Cryptography;
using System.Text;
using NacosSync.Core.Naming;
using NacosSync.Nacos.Grpc.Messages;

namespace NacosSync.Engine.Naming;

/// <summary>
/// The requests that make a connection hold exactly one service's replicas (ReplicaHolding Connection, docs/naming.md).
/// Nacos keeps one publish record per service per connection: <c>batchRegisterInstance</c> replaces it whole
/// (<c>EphemeralClientOperationServiceImpl.batchRegisterInstance</c> → <c>client.addServiceInstance(service,
/// BatchInstancePublishInfo)</c>), so a change is sent as the whole new set. The last replica is taken away with
/// <c>deregisterInstance</c> (<c>client.removeServiceInstance(service)</c>, whatever ip:port it names): an empty batch
/// would leave the connection a publisher of the service, which <c>EmptyServiceAutoCleanerV2</c> then never removes.
/// The Java client's <c>batchDeregisterService</c> likewise re-sends the rest as a batch.
/// Instances and their metadata are sent in one fixed order, so that two connections holding the same replicas (an owner
/// and its standby) publish equal instances: <c>ServiceStorage.getAllInstancesFromIndex</c> merges the clients' instances
/// in a <c>HashSet</c> by <c>Instance.toString()</c>, and only equal ones collapse into one.
/// </summary>
internal static class ReplicaBatch
{
    /// <summary>The fingerprint of an empty set.</summary>
    public static readonly string EmptyFingerprint = Fingerprint([]);

    /// <summary>One replica per address (the first given wins), ordered by cluster, ip and port.</summary>
    public static List<NamingInstance> Order(IEnumerable<NamingInstance> replicas)
    {
        var byAddress = new Dictionary<(string Ip, int Port), NamingInstance>();
        foreach (var replica in replicas)
        {
            byAddress.TryAdd((replica.Key.Ip, replica.Key.Port), replica);
        }

        return [.. byAddress.Values
            .OrderBy(r => r.Key.Cluster, StringComparer.Ordinal)
            .ThenBy(r => r.Key.Ip, StringComparer.Ordinal)
            .ThenBy(r => r.Key.Port)];
    }

    /// <summary><c>batchRegisterInstance</c> of <paramref name="ordered"/> (from <see cref="Order"/>) into <paramref name="service"/>.</summary>
    public static BatchInstanceRequest Register(ServiceKey service, IReadOnlyList<NamingInstance> ordered)
    {
        ArgumentNullException.ThrowIfNull(ordered);
        return new BatchInstanceRequest
        {
            Namespace = service.Namespace,
            GroupName = service.Group,
            ServiceName = service.Service,
            Instances = [.. ordered.Select(Instance)],
        };
    }

    /// <summary><c>deregisterInstance</c>: the connection holds nothing of <paramref name="service"/> any more.</summary>
    public static InstanceRequest Deregister(ServiceKey service, NamingInstance any)
    {
        ArgumentNullException.ThrowIfNull(any);
        return new InstanceRequest
        {
            Namespace = service.Namespace,
            GroupName = service.Group,
            ServiceName = service.Service,
            Type = InstanceRequest.Deregister,
            Instance = Instance(any),
        };
    }

    /// <summary>A digest of everything a batch of <paramref name="ordered"/> carries: equal digests, equal batches.</summary>
    public static string Fingerprint(IReadOnlyList<NamingInstance> ordered)
    {
        ArgumentNullException.ThrowIfNull(ordered);
        var text = new StringBuilder();
        foreach (var replica in ordered)
        {
            text.Append(replica.Key.Cluster).Append('\u0001').Append(replica.Key.Ip).Append('\u0001').Append(replica.Key.Port)
                .Append('\u0001').Append(replica.Weight.ToString("R", System.Globalization.CultureInfo.InvariantCulture))
                .Append('\u0001').Append(replica.Enabled).Append('\u0001').Append(replica.Healthy);
            foreach (var (key, value) in replica.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                text.Append('\u0002').Append(key).Append('\u0003').Append(value);
            }

            text.Append('\u0004');
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>
    /// An instance as the Java client sends it: no instanceId (the server derives the same one for every connection,
    /// <c>InstanceUtil.batchSetInstanceIdIfEmpty</c>), metadata in ordinal key order.
    /// </summary>
    private static GrpcInstance Instance(NamingInstance replica) => new()
    {
        Ip = replica.Key.Ip,
        Port = replica.Key.Port,
        Weight = replica.Weight,
        Healthy = replica.Healthy,
        Enabled = replica.Enabled,
        Ephemeral = true,
        ClusterName = replica.Key.Cluster,
        Metadata = new SortedDictionary<string, string>(replica.Metadata.ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal), StringComparer.Ordinal),
    };
}
