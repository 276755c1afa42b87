using System.Globalization;
using NacosSync.Sandbox.Naming;

namespace NacosSync.Sandbox.Grpc;

/// <summary>Builds the gRPC ServiceInfo (ServiceStorage + ServiceUtil.selectInstancesWithHealthyProtection) from the naming store.</summary>
internal static class GrpcServiceInfos
{
    /// <summary>SwitchDomain.defaultPushCacheMillis.</summary>
    public const long PushCacheMillis = 10000;

    public static GrpcServiceInfo Read(NamingStore naming, ServiceKey key, string clusters, bool healthyOnly) =>
        From(key, naming.List(key, clusters, healthyOnly));

    /// <summary>
    /// <c>ServiceStorage.getData</c> as is: every instance, disabled ones included, with its own health and no protect
    /// threshold. SubscribeServiceRequestHandler answers this when the request names no clusters (<c>handleClusterData</c>).
    /// </summary>
    public static GrpcServiceInfo Stored(NamingStore naming, ServiceKey key) =>
        From(key, new ServiceInfoView(key, "", naming.AllInstances(key), false, naming.Clock.GetUtcNow().ToUnixTimeMilliseconds()));

    private static GrpcServiceInfo From(ServiceKey key, ServiceInfoView view)
    {
        var clusters = view.Clusters;
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
