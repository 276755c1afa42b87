namespace NacosSync.Sandbox.Naming;

/// <summary>
/// Connection-owned ephemeral instances (gRPC clients, reference §9): a connection holds one set of
/// instances per service (one instance for a register, the whole batch for a batch register), no
/// heartbeats; when the connection goes, all of them go at once.
/// </summary>
internal sealed partial class NamingStore
{
    private long _beats;
    private long _httpEphemeralRegistrations;

    /// <summary>HTTP heartbeats received (v1/v2 beat, v3 heartBeat=true), for tests that count them.</summary>
    public long Beats => Interlocked.Read(ref _beats);

    /// <summary>Ephemeral instances registered over HTTP (not over gRPC), for tests that count them.</summary>
    public long HttpEphemeralRegistrations => Interlocked.Read(ref _httpEphemeralRegistrations);

    /// <summary>
    /// The instances a read sees: those of every client (each HTTP ip:port, each gRPC connection), equal ones once.
    /// Nacos 2.1.1–3.0.3 <c>ServiceStorage.getAllInstancesFromIndex</c> collects every client's instances of the service
    /// into a <c>HashSet&lt;Instance&gt;</c>, and <c>Instance.equals</c>/<c>hashCode</c> compare <c>toString()</c>
    /// (instanceId, ip, port, weight, healthy, enabled, ephemeral, clusterName, serviceName, metadata): two connections
    /// publishing the same instance show it once; if any attribute differs, both show, at the same ip:port.
    /// </summary>
    private static IEnumerable<InstanceEntry> Published(ServiceEntry service)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var instance in service.Instances.Values)
        {
            if (seen.Add(Identity(instance)))
            {
                yield return instance;
            }
        }
    }

    private static string Identity(InstanceEntry i) =>
        string.Join('\u0001', i.Ip, i.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), i.ClusterName,
            i.EffectiveWeight.ToString("R", System.Globalization.CultureInfo.InvariantCulture), i.Healthy, i.EffectiveEnabled, i.Ephemeral,
            string.Join('\u0002', i.EffectiveMetadata.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => m.Key + "\u0003" + m.Value)));

    /// <summary>
    /// Replaces what <paramref name="connectionId"/> holds in <paramref name="serviceKey"/> with
    /// <paramref name="instances"/> (empty = deregister: removes the connection's instance whatever
    /// ip:port was sent, as EphemeralClientOperationServiceImpl.deregisterInstance does).
    /// </summary>
    public NamingWriteResult ReplaceConnectionInstances(string connectionId, ServiceKey serviceKey, IReadOnlyList<RegisterRequest> instances, bool batch)
    {
        lock (_gate)
        {
            if (instances.Count == 0 && !_services.ContainsKey(serviceKey))
            {
                return NamingWriteResult.Success;
            }

            var now = _clock.GetUtcNow();
            var service = GetOrCreate(serviceKey, now);
            if (instances.Count > 0 && !_traits.EphemeralAndPersistentMayMix)
            {
                if (service.Ephemeral == false)
                {
                    return NamingWriteResult.Fail($"Current service {serviceKey.GroupedName} is persistent service, can't {(batch ? "batch " : "")}register ephemeral instance.");
                }

                service.Ephemeral = true;
            }

            RemoveOwnedLocked(service, connectionId);
            foreach (var request in instances)
            {
                service.Instances[new InstanceKey(request.Ip, request.Port, true, connectionId)] = new InstanceEntry
                {
                    Ip = request.Ip,
                    Port = request.Port,
                    Ephemeral = true,
                    Owner = connectionId,
                    ClusterName = request.ClusterName,
                    Weight = request.Weight,
                    Healthy = request.Healthy,
                    Enabled = request.Enabled,
                    Metadata = request.Metadata,
                    LastBeat = now,
                };
            }

            if (!_connectionServices.TryGetValue(connectionId, out var held))
            {
                held = [];
                _connectionServices[connectionId] = held;
            }

            if (instances.Count > 0)
            {
                held.Add(serviceKey);
            }
            else
            {
                held.Remove(serviceKey);
            }

            service.LastChange = now;
        }

        Changed?.Invoke(serviceKey);
        return NamingWriteResult.Success;
    }

    /// <summary>Removes every instance <paramref name="connectionId"/> holds (the connection dropped); returns the services changed.</summary>
    public IReadOnlyList<ServiceKey> RemoveConnection(string connectionId)
    {
        var changed = new List<ServiceKey>();
        lock (_gate)
        {
            if (!_connectionServices.Remove(connectionId, out var held))
            {
                return changed;
            }

            var now = _clock.GetUtcNow();
            foreach (var key in held)
            {
                if (_services.TryGetValue(key, out var service) && RemoveOwnedLocked(service, connectionId))
                {
                    service.LastChange = now;
                    changed.Add(key);
                }
            }
        }

        foreach (var key in changed)
        {
            Changed?.Invoke(key);
        }

        return changed;
    }

    private static bool RemoveOwnedLocked(ServiceEntry service, string connectionId)
    {
        var owned = service.Instances.Where(e => e.Value.Owner == connectionId).Select(e => e.Key).ToList();
        foreach (var key in owned)
        {
            service.Instances.Remove(key);
        }

        return owned.Count > 0;
    }
}
