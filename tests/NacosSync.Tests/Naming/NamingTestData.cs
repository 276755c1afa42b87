using NacosSync.Core.Naming;
using NacosSync.Core.Options;

namespace NacosSync.Tests.Naming;

internal static class NamingTestData
{
    public static readonly ReplicaOwner Owner = new("a-to-b", "cluster-a");

    public static ServiceKey Service(string name = "orders", string ns = "public", string group = "DEFAULT_GROUP") => new(ns, group, name);

    public static NamingInstance Instance(string ip, int port = 8080, string service = "orders", string ns = "public", string group = "DEFAULT_GROUP",
        double weight = 1, bool enabled = true, bool healthy = true, bool ephemeral = true, string cluster = "DEFAULT", params (string Key, string Value)[] metadata) =>
        new(new InstanceKey(Service(service, ns, group), cluster, ip, port), weight, enabled, healthy, ephemeral,
            metadata.ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal));

    /// <summary>A replica as the daemon writes it: its origin stamped and, when ephemeral, the default heartbeat terms declared.</summary>
    public static NamingInstance Owned(NamingInstance instance, ReplicaOwner? owner = null)
    {
        var stamped = (owner ?? Owner).Stamp(instance.Metadata);
        return instance with { Metadata = instance.Ephemeral ? ReplicaHeartbeat.Apply(stamped, new ReplicaHeartbeatOptions()) : stamped };
    }
}
