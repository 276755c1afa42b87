using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace NacosSync.Sandbox.Naming;

/// <summary>Shapes <c>instance/list</c> answers and UDP push payloads (Nacos's ServiceInfo JSON).</summary>
internal static class ServiceInfoJson
{
    /// <summary>What Nacos reports as cacheMillis to a client that can take UDP pushes.</summary>
    public const int PushCacheMillis = 10000;

    public const int DefaultCacheMillis = 3000;

    /// <summary>The ServiceInfo JSON as UTF-8, written field by field (the hot path of <c>instance/list</c>).</summary>
    public static byte[] Serialize(ServiceInfoView view, NacosProfileTraits traits, int cacheMillis)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + (view.Hosts.Count * 384));
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("name", view.Key.GroupedName);
            json.WriteString("groupName", view.Key.Group);
            json.WriteString("clusters", view.Clusters);
            json.WriteNumber("cacheMillis", cacheMillis);
            json.WriteStartArray("hosts");
            foreach (var h in view.Hosts)
            {
                json.WriteStartObject();
                json.WriteString("instanceId", $"{h.Ip}#{h.Port.ToString(CultureInfo.InvariantCulture)}#{h.ClusterName}#{view.Key.GroupedName}");
                json.WriteString("ip", h.Ip);
                json.WriteNumber("port", h.Port);
                json.WriteNumber("weight", h.Weight);
                json.WriteBoolean("healthy", h.Healthy);
                json.WriteBoolean("enabled", h.Enabled);
                json.WriteBoolean("valid", h.Healthy);
                json.WriteBoolean("marked", false);
                json.WriteBoolean("ephemeral", h.Ephemeral);
                json.WriteString("clusterName", h.ClusterName);
                json.WriteString("serviceName", view.Key.GroupedName);
                json.WriteStartObject("metadata");
                foreach (var (key, value) in h.Metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
                json.WriteNumber("instanceHeartBeatInterval", 5000);
                json.WriteNumber("instanceHeartBeatTimeOut", 15000);
                json.WriteNumber("ipDeleteTimeout", 30000);
                json.WriteString("instanceIdGenerator", "simple");
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNumber("lastRefTime", view.LastRefTime);
            json.WriteString("checksum", traits.RealChecksum ? Checksum(view) : "");
            json.WriteBoolean("allIPs", false);
            json.WriteBoolean("reachProtectionThreshold", view.ReachProtectionThreshold);
            json.WriteBoolean("valid", true);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
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
