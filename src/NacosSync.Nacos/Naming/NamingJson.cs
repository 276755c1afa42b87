using System.Globalization;
using System.Text.Json;
using NacosSync.Core.Naming;
using NacosSync.Nacos.Transport;

namespace NacosSync.Nacos.Naming;

/// <summary>Reading naming answers (instances, service info, catalog items) and naming an instance in a request; shared by the dialects.</summary>
internal static class NamingJson
{
    /// <summary>
    /// One service of a catalog answer: v1 <c>catalog/services?withInstances=true</c> and v3 <c>ns/service/list?withInstances=true</c>
    /// both give <c>{serviceName, groupName, clusterMap: {cluster: {hosts: [...]}}}</c> (v3: <c>ServiceDetailInfo</c>, hosts are
    /// full <c>Instance</c>s with <c>ephemeral</c>; v1 hosts say <c>valid</c> and no ephemeral flag).
    /// </summary>
    /// <param name="requireClusterMap">v3: a service without <c>clusterMap</c> means the server ignored <c>withInstances</c>; reading it as empty would delete its replicas.</param>
    public static ServiceSnapshot CatalogService(string namespaceId, JsonElement item, bool defaultEphemeral, bool requireClusterMap, string what)
    {
        var group = String(item, "groupName") ?? "DEFAULT_GROUP";
        var name = StripGroup(String(item, "serviceName") ?? String(item, "name") ?? throw Malformed(what, "a service without a name"));
        var key = new ServiceKey(namespaceId, group, name);
        var instances = new List<NamingInstance>();
        if (item.TryGetProperty("clusterMap", out var clusters) && clusters.ValueKind == JsonValueKind.Object)
        {
            foreach (var cluster in clusters.EnumerateObject())
            {
                if (cluster.Value.ValueKind == JsonValueKind.Object && cluster.Value.TryGetProperty("hosts", out var hosts) && hosts.ValueKind == JsonValueKind.Array)
                {
                    foreach (var host in hosts.EnumerateArray())
                    {
                        instances.Add(Instance(key, host, cluster.Name, defaultEphemeral, what));
                    }
                }
            }
        }
        else if (requireClusterMap)
        {
            throw Malformed(what, $"service {key} has no clusterMap: the server did not answer withInstances=true, and reading it as empty would be wrong");
        }

        return new ServiceSnapshot(key, instances);
    }

    /// <summary>Parses a ServiceInfo JSON (the v1 list answer or a UDP push's data).</summary>
    public static ServiceInstancesRead ServiceInfo(ServiceKey service, JsonElement root, string what)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new NacosMalformedResponseException($"{what}: the service info is not an object");
        }

        var instances = new List<NamingInstance>();
        if (root.TryGetProperty("hosts", out var hosts) && hosts.ValueKind == JsonValueKind.Array)
        {
            foreach (var host in hosts.EnumerateArray())
            {
                instances.Add(Instance(service, host, String(host, "clusterName") ?? "DEFAULT", defaultEphemeral: true, what));
            }
        }

        var lastRefTime = root.TryGetProperty("lastRefTime", out var t) && t.TryGetInt64(out var ms) ? ms : 0;
        return new ServiceInstancesRead(new ServiceSnapshot(service, instances), IncludesDisabled: false, lastRefTime);
    }

    public static NamingInstance Instance(ServiceKey service, JsonElement host, string cluster, bool defaultEphemeral, string what)
    {
        var ip = String(host, "ip") ?? throw Malformed(what, "an instance without ip");
        var port = host.TryGetProperty("port", out var p) && p.TryGetInt32(out var portValue) ? portValue : throw Malformed(what, $"instance {ip} without port");
        var weight = host.TryGetProperty("weight", out var w) && w.TryGetDouble(out var weightValue) ? weightValue : 1.0;
        var healthy = Boolean(host, "healthy") ?? Boolean(host, "valid") ?? true;
        var enabled = Boolean(host, "enabled") ?? Boolean(host, "enable") ?? true;
        var ephemeral = Boolean(host, "ephemeral") ?? defaultEphemeral;
        var clusterName = MetadataPool.Shared.Share(String(host, "clusterName") ?? cluster);
        return new NamingInstance(new InstanceKey(service, clusterName, ip, port), weight, enabled, healthy, ephemeral, Metadata(host));
    }

    /// <summary>
    /// An instance's metadata, shared with equal maps read before (<see cref="MetadataPool"/>): a full run holds a
    /// namespace's snapshots of both sides for the length of its read, long enough for the GC to promote them, and a
    /// replica's map in the target (source metadata, owner stamp, heartbeat terms) parsed anew per instance had been
    /// most of their size, a fresh dictionary of some twenty strings each. Parsed this way the copy dies young.
    /// </summary>
    private static IReadOnlyDictionary<string, string> Metadata(JsonElement host)
    {
        if (!host.TryGetProperty("metadata", out var m) || m.ValueKind != JsonValueKind.Object)
        {
            return NamingInstance.NoMetadata;
        }

        var count = 0;
        foreach (var _ in m.EnumerateObject())
        {
            count++;
        }

        if (count == 0)
        {
            return NamingInstance.NoMetadata;
        }

        var metadata = new Dictionary<string, string>(count, StringComparer.Ordinal);
        foreach (var entry in m.EnumerateObject())
        {
            metadata[entry.Name] = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : entry.Value.GetRawText();
        }

        return MetadataPool.Shared.Share(metadata);
    }

    public static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static bool? Boolean(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => bool.TryParse(value.GetString(), out var b) ? b : null,
            _ => null,
        } : null;

    public static string StripGroup(string name) => name.IndexOf("@@", StringComparison.Ordinal) is var i and >= 0 ? name[(i + 2)..] : name;

    public static string? GroupOf(string name) => name.IndexOf("@@", StringComparison.Ordinal) is var i and >= 0 ? name[..i] : null;

    public static NacosMalformedResponseException Malformed(string what, string detail) => new($"{what}: {detail}");

    public static KeyValuePair<string, string> P(string key, string value) => new(key, value);

    public static string Port(NamingInstance instance) => instance.Key.Port.ToString(CultureInfo.InvariantCulture);

    public static string Weight(double weight) => weight.ToString("R", CultureInfo.InvariantCulture);

    public static string Bool(bool value) => value ? "true" : "false";

    public static string Metadata(NamingInstance instance) => JsonSerializer.Serialize(instance.Metadata);

    public static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
