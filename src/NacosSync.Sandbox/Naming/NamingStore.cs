namespace NacosSync.Sandbox.Naming;

/// <summary>Outcome of a write that Nacos may refuse.</summary>
internal readonly record struct NamingWriteResult(bool Ok, string? Error)
{
    public static NamingWriteResult Success { get; } = new(true, null);

    public static NamingWriteResult Fail(string error) => new(false, error);
}

/// <summary>
/// The naming data of a sandbox cluster, shared by all its nodes (real nodes replicate it; the
/// sandbox simply holds one copy). All methods are thread-safe; one lock guards everything.
/// </summary>
internal sealed partial class NamingStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ServiceKey, ServiceEntry> _services = [];
    private readonly Dictionary<string, HashSet<ServiceKey>> _connectionServices = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;
    private readonly NacosProfileTraits _traits;
    private readonly SandboxClusterOptions _options;

    public NamingStore(TimeProvider clock, NacosProfileTraits traits, SandboxClusterOptions options)
    {
        _clock = clock;
        _traits = traits;
        _options = options;
    }

    /// <summary>Raised (outside the lock) after any change to a service's instances.</summary>
    public event Action<ServiceKey>? Changed;

    public NamingWriteResult Register(RegisterRequest request)
    {
        if (request.Ephemeral)
        {
            Interlocked.Increment(ref _httpEphemeralRegistrations);
        }

        NamingWriteResult result;
        lock (_gate)
        {
            result = RegisterLocked(request);
        }

        if (result.Ok)
        {
            Changed?.Invoke(request.Service);
        }

        return result;
    }

    private NamingWriteResult RegisterLocked(RegisterRequest request)
    {
        var now = _clock.GetUtcNow();
        var service = GetOrCreate(request.Service, now);
        if (!_traits.EphemeralAndPersistentMayMix)
        {
            if (service.Ephemeral is { } kind && kind != request.Ephemeral)
            {
                return NamingWriteResult.Fail(kind
                    ? $"Current service {request.Service.GroupedName} is ephemeral service, can't register persistent instance."
                    : $"Current service {request.Service.GroupedName} is persistent service, can't register ephemeral instance.");
            }

            service.Ephemeral = request.Ephemeral;
        }

        var key = new InstanceKey(request.Ip, request.Port, request.Ephemeral);
        if (!service.Instances.TryGetValue(key, out var instance))
        {
            instance = new InstanceEntry { Ip = request.Ip, Port = request.Port, Ephemeral = request.Ephemeral, ClusterName = request.ClusterName };
            service.Instances[key] = instance;
        }

        // Registering the same ip:port in another cluster moves it; re-posting resets the heartbeat clock.
        instance.ClusterName = request.ClusterName;
        instance.Weight = request.Weight;
        instance.Healthy = request.Healthy;
        instance.Enabled = request.Enabled;
        instance.Metadata = request.Metadata;
        instance.LastBeat = now;
        service.LastChange = now;
        return NamingWriteResult.Success;
    }

    /// <summary>Removes ip:port of that kind, whatever its cluster. True when something was removed.</summary>
    public bool Deregister(ServiceKey serviceKey, string ip, int port, bool ephemeral)
    {
        bool removed;
        lock (_gate)
        {
            removed = _services.TryGetValue(serviceKey, out var service)
                && service.Instances.Remove(new InstanceKey(ip, port, ephemeral));
            if (removed)
            {
                service!.LastChange = _clock.GetUtcNow();
            }
        }

        if (removed)
        {
            Changed?.Invoke(serviceKey);
        }

        return removed;
    }

    /// <summary>Stores the <c>PUT /instance</c> overlay. False when the instance does not exist.</summary>
    public bool Update(ServiceKey serviceKey, string ip, int port, bool ephemeral, bool? enabled, double? weight, Dictionary<string, string>? metadata)
    {
        lock (_gate)
        {
            if (!_services.TryGetValue(serviceKey, out var service)
                || !service.Instances.TryGetValue(new InstanceKey(ip, port, ephemeral), out var instance))
            {
                return false;
            }

            instance.OverlayEnabled = enabled ?? instance.OverlayEnabled;
            instance.OverlayWeight = weight ?? instance.OverlayWeight;
            instance.OverlayMetadata = metadata ?? instance.OverlayMetadata;
            service.LastChange = _clock.GetUtcNow();
        }

        Changed?.Invoke(serviceKey);
        return true;
    }

    /// <summary>Sets the health of a persistent instance (health checker NONE). False when absent.</summary>
    public bool SetHealth(ServiceKey serviceKey, string ip, int port, bool healthy)
    {
        lock (_gate)
        {
            if (!_services.TryGetValue(serviceKey, out var service)
                || !service.Instances.TryGetValue(new InstanceKey(ip, port, false), out var instance))
            {
                return false;
            }

            instance.Healthy = healthy;
            service.LastChange = _clock.GetUtcNow();
        }

        Changed?.Invoke(serviceKey);
        return true;
    }

    /// <summary>
    /// A heartbeat. Returns false (20404) when the instance is unknown and no beat JSON came with it;
    /// a beat JSON re-registers the instance (weight 0 when the beat has none).
    /// </summary>
    public bool Beat(ServiceKey serviceKey, string ip, int port, string clusterName, BeatInfo? beat)
    {
        Interlocked.Increment(ref _beats);
        var changed = false;
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            InstanceEntry? instance = null;
            if (_services.TryGetValue(serviceKey, out var service))
            {
                service.Instances.TryGetValue(new InstanceKey(ip, port, true), out instance);
            }

            if (instance is null)
            {
                if (beat is null)
                {
                    return false;
                }

                var result = RegisterLocked(new RegisterRequest(serviceKey, ip, port, clusterName, beat.Weight ?? 0, true, true, true,
                    beat.Metadata ?? new Dictionary<string, string>(StringComparer.Ordinal)));
                changed = result.Ok;
            }
            else
            {
                instance.LastBeat = now;
                if (!instance.Healthy)
                {
                    instance.Healthy = true;
                    service!.LastChange = now;
                    changed = true;
                }
            }
        }

        if (changed)
        {
            Changed?.Invoke(serviceKey);
        }

        return true;
    }

    /// <summary>Creates (or updates) a persistent service with explicit metadata, as <c>POST /v1/ns/service</c>.</summary>
    public NamingWriteResult CreateService(ServiceKey serviceKey, float protectThreshold, Dictionary<string, string> metadata, bool update)
    {
        lock (_gate)
        {
            var exists = _services.TryGetValue(serviceKey, out var service);
            if (!update && exists)
            {
                return NamingWriteResult.Fail($"specified service already exists, serviceName : {serviceKey.GroupedName}");
            }

            if (update && !exists)
            {
                return NamingWriteResult.Fail($"service {serviceKey.GroupedName} not found!");
            }

            service ??= GetOrCreate(serviceKey, _clock.GetUtcNow());
            if (!update && !_traits.EphemeralAndPersistentMayMix)
            {
                service.Ephemeral = false;
            }

            service.HasExplicitMetadata = true;
            service.ProtectThreshold = protectThreshold;
            service.Metadata = metadata;
            service.LastChange = _clock.GetUtcNow();
            return NamingWriteResult.Success;
        }
    }

    /// <summary>Deletes an empty service. Fails when it still has instances.</summary>
    public NamingWriteResult DeleteService(ServiceKey serviceKey)
    {
        lock (_gate)
        {
            if (!_services.TryGetValue(serviceKey, out var service))
            {
                return NamingWriteResult.Fail($"specified service not exist, serviceName : {serviceKey.GroupedName}");
            }

            if (service.Instances.Count > 0)
            {
                return NamingWriteResult.Fail($"service {serviceKey.GroupedName} is not empty, can't be delete. Please unregister instance first");
            }

            _services.Remove(serviceKey);
            return NamingWriteResult.Success;
        }
    }

    /// <summary>The cluster's clock (the stamps of answers).</summary>
    public TimeProvider Clock => _clock;

    /// <summary>What <c>instance/list</c> returns: enabled instances of the asked clusters, protect threshold applied.</summary>
    public ServiceInfoView List(ServiceKey serviceKey, string clusters, bool healthyOnly)
    {
        var lastRefTime = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            if (!_services.TryGetValue(serviceKey, out var service))
            {
                return new ServiceInfoView(serviceKey, clusters, [], false, lastRefTime);
            }

            var wanted = clusters.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var candidates = Published(service)
                .Where(i => wanted.Length == 0 || wanted.Contains(i.ClusterName, StringComparer.Ordinal))
                .Where(i => i.EffectiveEnabled)
                .OrderBy(i => i.Ip, StringComparer.Ordinal).ThenBy(i => i.Port)
                .ToList();

            var healthyCount = candidates.Count(i => i.Healthy);
            var reachThreshold = service.HasExplicitMetadata && candidates.Count > 0
                && (float)healthyCount / candidates.Count <= service.ProtectThreshold;

            var hosts = candidates
                .Where(i => reachThreshold || !healthyOnly || i.Healthy)
                .Select(i => View(i, reachThreshold ? true : i.Healthy))
                .ToList();
            return new ServiceInfoView(serviceKey, clusters, hosts, reachThreshold, lastRefTime);
        }
    }

    /// <summary>Every instance of a service (disabled included), for the catalog.</summary>
    public IReadOnlyList<InstanceView> AllInstances(ServiceKey serviceKey)
    {
        lock (_gate)
        {
            return _services.TryGetValue(serviceKey, out var service)
                ? Published(service).OrderBy(i => i.Ip, StringComparer.Ordinal).ThenBy(i => i.Port).Select(i => View(i, i.Healthy)).ToList()
                : [];
        }
    }

    /// <summary>Service names (grouped) of a namespace, optionally one group and those <paramref name="match"/> takes, sorted.</summary>
    /// <param name="match">A filter applied before the sort (a catalog search by name sorts its few matches, not the namespace).</param>
    public IReadOnlyList<ServiceKey> Services(string namespaceId, string? group, Func<ServiceKey, bool>? match = null)
    {
        List<ServiceKey> keys;
        lock (_gate)
        {
            keys = [.. _services.Keys.Where(k => k.Namespace == namespaceId && (group is null || k.Group == group) && (match is null || match(k)))];
        }

        // Sorted outside the lock: the keys are values, and every other call waits on this lock.
        keys.Sort((a, b) => string.CompareOrdinal(a.GroupedName, b.GroupedName));
        return keys;
    }

    /// <summary>Service-level metadata (explicit metadata only).</summary>
    public (IReadOnlyDictionary<string, string> Metadata, float ProtectThreshold, bool Exists) ServiceMetadata(ServiceKey serviceKey)
    {
        lock (_gate)
        {
            return _services.TryGetValue(serviceKey, out var service)
                ? (new Dictionary<string, string>(service.Metadata, StringComparer.Ordinal), service.ProtectThreshold, true)
                : (new Dictionary<string, string>(StringComparer.Ordinal), 0f, false);
        }
    }

    /// <summary>Namespaces that hold at least one service.</summary>
    public IReadOnlyList<string> Namespaces()
    {
        lock (_gate)
        {
            return _services.Keys.Select(k => k.Namespace).Distinct(StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>
    /// Ephemeral instances without a beat for the heartbeat timeout turn unhealthy, after the delete
    /// timeout they go; services empty for the expiry time vanish.
    /// </summary>
    public void Expire()
    {
        var changed = new List<ServiceKey>();
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            foreach (var service in _services.Values.ToList())
            {
                var serviceChanged = false;
                foreach (var (key, instance) in service.Instances.ToList())
                {
                    if (!instance.Ephemeral || instance.Owner is not null)
                    {
                        continue;
                    }

                    var silent = now - instance.LastBeat;
                    if (silent > Preserved(instance, "preserved.ip.delete.timeout", _options.InstanceDeleteTimeout))
                    {
                        service.Instances.Remove(key);
                        serviceChanged = true;
                    }
                    else if (silent > Preserved(instance, "preserved.heart.beat.timeout", _options.InstanceHeartbeatTimeout) && instance.Healthy)
                    {
                        instance.Healthy = false;
                        serviceChanged = true;
                    }
                }

                if (serviceChanged)
                {
                    service.LastChange = now;
                    changed.Add(service.Key);
                }
                else if (service.Instances.Count == 0 && now - service.LastChange >= _options.EmptyServiceExpiry)
                {
                    _services.Remove(service.Key);
                }
            }
        }

        foreach (var key in changed)
        {
            Changed?.Invoke(key);
        }
    }

    /// <summary>
    /// An HTTP instance's own heartbeat timing from its metadata (ms; reference §9, <c>preserved.heart.beat.timeout</c>,
    /// <c>preserved.ip.delete.timeout</c>, Nacos's <c>Instance.getInstanceHeartBeatTimeOut</c> / <c>getIpDeleteTimeout</c>),
    /// else the cluster's default (15 s / 30 s).
    /// </summary>
    private static TimeSpan Preserved(InstanceEntry instance, string key, TimeSpan fallback) =>
        instance.Metadata.TryGetValue(key, out var text) && long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms > 0
            ? TimeSpan.FromMilliseconds(ms)
            : fallback;

    /// <summary>Counts for the catalog: clusters, instances, healthy instances.</summary>
    public (int ClusterCount, int IpCount, int HealthyCount) Counts(ServiceKey serviceKey)
    {
        lock (_gate)
        {
            if (!_services.TryGetValue(serviceKey, out var service))
            {
                return (0, 0, 0);
            }

            var published = Published(service).ToList();
            var clusters = published.Select(i => i.ClusterName).Distinct(StringComparer.Ordinal).Count();
            return (clusters, published.Count, published.Count(i => i.Healthy));
        }
    }

    private ServiceEntry GetOrCreate(ServiceKey key, DateTimeOffset now)
    {
        if (!_services.TryGetValue(key, out var service))
        {
            service = new ServiceEntry { Key = key, LastChange = now };
            _services[key] = service;
        }

        return service;
    }

    private static InstanceView View(InstanceEntry instance, bool healthy) => new(
        instance.Ip,
        instance.Port,
        instance.EffectiveWeight,
        healthy,
        instance.EffectiveEnabled,
        instance.Ephemeral,
        instance.ClusterName,
        new Dictionary<string, string>(instance.EffectiveMetadata, StringComparer.Ordinal));
}
