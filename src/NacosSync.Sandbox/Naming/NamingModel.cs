namespace NacosSync.Sandbox.Naming;

/// <summary>Identity of a service: namespace id and <c>GROUP@@name</c>.</summary>
internal readonly record struct ServiceKey(string Namespace, string GroupedName)
{
    public string Group => GroupedName[..GroupedName.IndexOf("@@", StringComparison.Ordinal)];

    public string Name => GroupedName[(GroupedName.IndexOf("@@", StringComparison.Ordinal) + 2)..];

    /// <summary>Builds the key from <c>serviceName</c> (maybe <c>group@@name</c>) and <c>groupName</c>.</summary>
    public static ServiceKey From(string namespaceId, string serviceName, string? groupName)
    {
        if (serviceName.Contains("@@", StringComparison.Ordinal))
        {
            return new ServiceKey(namespaceId, serviceName);
        }

        var group = string.IsNullOrWhiteSpace(groupName) ? NamingDefaults.Group : groupName;
        return new ServiceKey(namespaceId, group + "@@" + serviceName);
    }
}

internal static class NamingDefaults
{
    public const string Group = "DEFAULT_GROUP";
    public const string Cluster = "DEFAULT";
    public const string Namespace = "public";
}

/// <summary>
/// An ip:port of one kind (1.4 keeps ephemeral and persistent instances apart). <paramref name="Owner"/>
/// is the gRPC connection id of a connection-owned instance (reference §9), null for HTTP clients.
/// </summary>
internal readonly record struct InstanceKey(string Ip, int Port, bool Ephemeral, string? Owner = null);

/// <summary>One registered instance (mutable, guarded by the store's lock).</summary>
internal sealed class InstanceEntry
{
    public required string Ip { get; init; }

    public required int Port { get; init; }

    public required bool Ephemeral { get; init; }

    public required string ClusterName { get; set; }

    /// <summary>The gRPC connection holding this instance (no beats: it lives as long as the connection), null for HTTP.</summary>
    public string? Owner { get; init; }

    public double Weight { get; set; } = 1;

    public bool Healthy { get; set; } = true;

    public bool Enabled { get; set; } = true;

    public Dictionary<string, string> Metadata { get; set; } = new(StringComparer.Ordinal);

    public DateTimeOffset LastBeat { get; set; }

    /// <summary>What <c>PUT /instance</c> stored on top of the registration (merged into reads).</summary>
    public bool? OverlayEnabled { get; set; }

    public double? OverlayWeight { get; set; }

    public Dictionary<string, string>? OverlayMetadata { get; set; }

    public bool EffectiveEnabled => OverlayEnabled ?? Enabled;

    public double EffectiveWeight => OverlayWeight ?? Weight;

    public Dictionary<string, string> EffectiveMetadata
    {
        get
        {
            if (OverlayMetadata is null)
            {
                return Metadata;
            }

            var merged = new Dictionary<string, string>(Metadata, StringComparer.Ordinal);
            foreach (var (key, value) in OverlayMetadata)
            {
                merged[key] = value;
            }

            return merged;
        }
    }
}

/// <summary>One service (mutable, guarded by the store's lock).</summary>
internal sealed class ServiceEntry
{
    public required ServiceKey Key { get; init; }

    /// <summary>2.x: decided by the first instance (or false when created through the service API).</summary>
    public bool? Ephemeral { get; set; }

    /// <summary>Created or updated through the service API: only then does the protect threshold apply.</summary>
    public bool HasExplicitMetadata { get; set; }

    public float ProtectThreshold { get; set; }

    public Dictionary<string, string> Metadata { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<InstanceKey, InstanceEntry> Instances { get; } = [];

    public DateTimeOffset LastChange { get; set; }
}

/// <summary>An instance as a read returns it (overlay merged).</summary>
internal sealed record InstanceView(
    string Ip,
    int Port,
    double Weight,
    bool Healthy,
    bool Enabled,
    bool Ephemeral,
    string ClusterName,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>What <c>instance/list</c> computes before shaping the JSON.</summary>
internal sealed record ServiceInfoView(
    ServiceKey Key,
    string Clusters,
    IReadOnlyList<InstanceView> Hosts,
    bool ReachProtectionThreshold,
    long LastRefTime);

/// <summary>A registration request.</summary>
internal sealed record RegisterRequest(
    ServiceKey Service,
    string Ip,
    int Port,
    string ClusterName,
    double Weight,
    bool Healthy,
    bool Enabled,
    bool Ephemeral,
    Dictionary<string, string> Metadata);

/// <summary>A <c>beat</c> JSON body.</summary>
internal sealed record BeatInfo(string? Ip, int Port, string? ServiceName, string? Cluster, double? Weight, Dictionary<string, string>? Metadata);
