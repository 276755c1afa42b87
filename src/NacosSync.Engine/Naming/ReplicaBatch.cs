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
    /// <summary>One replica per address (the first given wins), ordered by cluster, ip and port.</summary>
    public static List<NamingInstance> Order(IEnumerable<NamingInstance> replicas)
    {
        var byAddress = new Dictionary<(string Ip, int Port), NamingInstance>();
        foreach (var replica in replicas)
        {
            byAddress.TryAdd((replica.Key.Ip, replica.Key.Port), replica);
        }

        var ordered = new List<NamingInstance>(byAddress.Values);
        ordered.Sort(static (a, b) =>
        {
            var byCluster = string.CompareOrdinal(a.Key.Cluster, b.Key.Cluster);
            if (byCluster != 0)
            {
                return byCluster;
            }

            var byIp = string.CompareOrdinal(a.Key.Ip, b.Key.Ip);
            return byIp != 0 ? byIp : a.Key.Port.CompareTo(b.Key.Port);
        });
        return ordered;
    }

    /// <summary><c>batchRegisterInstance</c> of <paramref name="ordered"/> (from <see cref="Order"/>) into <paramref name="service"/>.</summary>
    public static BatchInstanceRequest Register(ServiceKey service, IReadOnlyList<NamingInstance> ordered)
    {
        ArgumentNullException.ThrowIfNull(ordered);
        var instances = new GrpcInstance[ordered.Count];
        for (var i = 0; i < instances.Length; i++)
        {
            instances[i] = Instance(ordered[i]);
        }

        return new BatchInstanceRequest
        {
            Namespace = service.Namespace,
            GroupName = service.Group,
            ServiceName = service.Service,
            Instances = instances,
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

    /// <summary>
    /// Whether batches of <paramref name="sent"/> and <paramref name="current"/> (both from <see cref="Order"/>) carry the
    /// same: every attribute a consumer sees, metadata by content in any order. Compared in place, without a digest: this
    /// runs for every service a full run touches, and building a canonical text of each batch to hash was a sixth of what
    /// the initial copy allocated.
    /// </summary>
    public static bool SameBatch(IReadOnlyList<NamingInstance> sent, IReadOnlyList<NamingInstance> current)
    {
        ArgumentNullException.ThrowIfNull(sent);
        ArgumentNullException.ThrowIfNull(current);
        if (sent.Count != current.Count)
        {
            return false;
        }

        for (var i = 0; i < sent.Count; i++)
        {
            var (a, b) = (sent[i], current[i]);
            if (!ReferenceEquals(a, b) && (a.Key.Port != b.Key.Port || !string.Equals(a.Key.Ip, b.Key.Ip, StringComparison.Ordinal)
                || !string.Equals(a.Key.Cluster, b.Key.Cluster, StringComparison.Ordinal) || !a.Weight.Equals(b.Weight)
                || a.Enabled != b.Enabled || a.Healthy != b.Healthy || !NamingInstance.MetadataEquals(a.Metadata, b.Metadata)))
            {
                return false;
            }
        }

        return true;
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
        Metadata = new OrdinalOrderedMetadata(replica.Metadata),
    };

    /// <summary>
    /// A read-only copy of a metadata map that enumerates in ordinal key order: one sorted array, where a sorted
    /// dictionary costs a node per entry (two maps per replica sent, before).
    /// </summary>
    private sealed class OrdinalOrderedMetadata : IReadOnlyDictionary<string, string>
    {
        private readonly KeyValuePair<string, string>[] _entries;

        public OrdinalOrderedMetadata(IReadOnlyDictionary<string, string> metadata)
        {
            _entries = new KeyValuePair<string, string>[metadata.Count];
            var i = 0;
            foreach (var entry in MetadataEntries.Of(metadata))
            {
                _entries[i++] = entry;
            }

            Array.Sort(_entries, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        }

        public int Count => _entries.Length;

        public IEnumerable<string> Keys => _entries.Select(e => e.Key);

        public IEnumerable<string> Values => _entries.Select(e => e.Value);

        public string this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"no metadata key '{key}'");

        public bool ContainsKey(string key) => TryGetValue(key, out _);

        public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out string value)
        {
            var lo = 0;
            var hi = _entries.Length - 1;
            while (lo <= hi)
            {
                var mid = (lo + hi) >>> 1;
                var order = string.CompareOrdinal(_entries[mid].Key, key);
                if (order == 0)
                {
                    value = _entries[mid].Value;
                    return true;
                }

                (lo, hi) = order < 0 ? (mid + 1, hi) : (lo, mid - 1);
            }

            value = null;
            return false;
        }

        public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, string>>)_entries).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
