using System.Globalization;
using NacosSync.Sandbox.Naming;

namespace NacosSync.Sandbox.Grpc;

/// <summary>Builds the gRPC ServiceInfo (ServiceStorage + ServiceUtil.selectInstancesWithHealthyProtection) from the naming store.</summary>
internal static class GrpcServiceInfos
{
    /// <summary>SwitchDomain.defaultPushCacheMillis.</summary>
    public const long PushCacheMillis = 10000;

    public static GrpcServiceInfo Read(NamingStore naming, ServiceKey key, string clusters, bool healthyOnly)
    {
        var view = naming.List(key, clusters, healthyOnly);
        var hosts = view.Hosts.Select(h => new GrpcInstance(
            string.Create(CultureInfo.InvariantCulture, $"{h.Ip}#{h.Port}#{h.ClusterName}#{key.GroupedName}"),
            h.Ip,
            h.Port,
            h.Weight,
            h.Healthy,
            h.Enabled,
            h.Ephemeral,
            h.ClusterName,
            key.GroupedName,
            h.Metadata,
            5000,
            15000,
            30000,
            "simple")).ToList();
        return new GrpcServiceInfo(key.Name, key.Group, clusters, PushCacheMillis, hosts, view.LastRefTime, "", false, view.ReachProtectionThreshold, true);
    }
}
