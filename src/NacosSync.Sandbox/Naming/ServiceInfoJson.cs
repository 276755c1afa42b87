using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace NacosSync.Sandbox.Naming;

/// <summary>Shapes <c>instance/list</c> answers and UDP push payloads (Nacos's ServiceInfo JSON).</summary>
internal static class ServiceInfoJson
{
    /// <summary>What Nacos reports as cacheMillis to a client that can take UDP pushes.</summary>
    public const int PushCacheMillis = 10000;

    public const int DefaultCacheMillis = 3000;

    public static Dictionary<string, object?> Build(ServiceInfoView view, NacosProfileTraits traits, int cacheMillis)
    {
        var hosts = view.Hosts.Select(h => new Dictionary<string, object?>
        {
            ["instanceId"] = $"{h.Ip}#{h.Port.ToString(CultureInfo.InvariantCulture)}#{h.ClusterName}#{view.Key.GroupedName}",
            ["ip"] = h.Ip,
            ["port"] = h.Port,
            ["weight"] = h.Weight,
            ["healthy"] = h.Healthy,
            ["enabled"] = h.Enabled,
            ["valid"] = h.Healthy,
            ["marked"] = false,
            ["ephemeral"] = h.Ephemeral,
            ["clusterName"] = h.ClusterName,
            ["serviceName"] = view.Key.GroupedName,
            ["metadata"] = h.Metadata,
            ["instanceHeartBeatInterval"] = 5000,
            ["instanceHeartBeatTimeOut"] = 15000,
            ["ipDeleteTimeout"] = 30000,
            ["instanceIdGenerator"] = "simple",
        }).ToList();

        return new Dictionary<string, object?>
        {
            ["name"] = view.Key.GroupedName,
            ["groupName"] = view.Key.Group,
            ["clusters"] = view.Clusters,
            ["cacheMillis"] = cacheMillis,
            ["hosts"] = hosts,
            ["lastRefTime"] = view.LastRefTime,
            ["checksum"] = traits.RealChecksum ? Checksum(view) : "",
            ["allIPs"] = false,
            ["reachProtectionThreshold"] = view.ReachProtectionThreshold,
            ["valid"] = true,
        };
    }

    // 1.4 hashes the service's host list; any stable digest of what the client sees serves the same purpose.
#pragma warning disable CA5351 // MD5 is the Nacos protocol's content digest, not a security measure.
    private static string Checksum(ServiceInfoView view)
    {
        var text = new StringBuilder(view.Key.GroupedName);
        foreach (var h in view.Hosts)
        {
            text.Append(CultureInfo.InvariantCulture, $",{h.Ip}:{h.Port}_{h.Weight}_{h.Healthy}_{h.Enabled}_{h.ClusterName}");
            foreach (var (k, v) in h.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture, $"_{k}={v}");
            }
        }

        return Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
#pragma warning restore CA5351
}
