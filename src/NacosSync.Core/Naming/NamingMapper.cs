using NacosSync.Core.Filtering;
using NacosSync.Core.Options;

namespace NacosSync.Core.Naming;

/// <summary>
/// Turns source instances into the replicas a task wants in the target: group and service filters,
/// namespace and group mapping, origin stamping, and the replica mode. Instances that are already
/// replicas (they carry a sync origin) are left out, which is what stops A→B→A loops.
/// </summary>
internal sealed class NamingMapper
{
    private readonly NameMapping _namespaces;
    private readonly NameMapping _groups;
    private readonly NameFilter _groupFilter;
    private readonly NameFilter _serviceFilter;
    private readonly bool _ephemeral;
    private readonly KeyValuePair<string, string>[] _heartbeatTerms;

    public NamingMapper(ReplicaOwner owner, SyncTaskOptions task)
    {
        ArgumentNullException.ThrowIfNull(task);
        Owner = owner;
        _namespaces = new NameMapping(task.Namespaces);
        _groups = new NameMapping(task.Groups);
        _groupFilter = NameFilter.From(task.Naming.GroupFilter);
        _serviceFilter = NameFilter.From(task.Naming.ServiceFilter);
        _ephemeral = task.Naming.ReplicaMode == ReplicaMode.Ephemeral;
        _heartbeatTerms = ReplicaHeartbeat.Terms(task.Naming.Heartbeat);
    }

    public ReplicaOwner Owner { get; }

    public bool EphemeralReplicas => _ephemeral;

    /// <summary>The source namespaces named by the task; empty when it copies every namespace.</summary>
    public IReadOnlyList<string> ConfiguredSourceNamespaces => [.. _namespaces.Sources];

    public string TargetNamespace(string sourceNamespace) => _namespaces.ToTarget(sourceNamespace);

    /// <summary>Whether the task copies this source service (group and service filters, by source names).</summary>
    public bool InScope(ServiceKey source) => _groupFilter.Matches(source.Group) && _serviceFilter.Matches(source.Service);

    public ServiceKey ToTarget(ServiceKey source) => new(_namespaces.ToTarget(source.Namespace), _groups.ToTarget(source.Group), source.Service);

    /// <summary>The source service a target service is written from; null when no source service maps there.</summary>
    public ServiceKey? ToSource(ServiceKey target) =>
        _namespaces.ToSource(target.Namespace) is { } ns && _groups.ToSource(target.Group) is { } group ? new ServiceKey(ns, group, target.Service) : null;

    /// <summary>The replica of <paramref name="source"/>, or null when it is itself a replica or out of scope.</summary>
    public NamingInstance? ToReplica(NamingInstance source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (ReplicaOwner.IsReplica(source.Metadata) || !InScope(source.Key.Service))
        {
            return null;
        }

        // Replicas are what the daemon keeps (100,000 and more): equal metadata and cluster names share one copy.
        var key = new InstanceKey(ToTarget(source.Key.Service), MetadataPool.Shared.Share(source.Key.Cluster), source.Key.Ip, source.Key.Port);
        // One copy of the source's map takes the owner keys and, for ephemeral replicas, the heartbeat terms.
        return new NamingInstance(key, source.Weight, source.Enabled, source.Healthy, _ephemeral,
            MetadataPool.Shared.Share(Owner.Stamp(source.Metadata, _ephemeral ? _heartbeatTerms : null)));
    }

    /// <summary>All replicas wanted for a set of source services.</summary>
    public IEnumerable<NamingInstance> ToReplicas(IEnumerable<ServiceSnapshot> sourceServices)
    {
        foreach (var service in sourceServices)
        {
            if (!InScope(service.Key))
            {
                continue;
            }

            foreach (var instance in service.Instances)
            {
                if (ToReplica(instance) is { } replica)
                {
                    yield return replica;
                }
            }
        }
    }
}
