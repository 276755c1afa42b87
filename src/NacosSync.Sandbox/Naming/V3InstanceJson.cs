using System.Globalization;

namespace NacosSync.Sandbox.Naming;

/// <summary>
/// An instance as the v3 API answers it: Jackson's view of <c>com.alibaba.nacos.api.naming.pojo.Instance</c>
/// (api/src/main/java/com/alibaba/nacos/api/naming/pojo/Instance.java: its fields and the four derived getters;
/// <c>@JsonInclude(NON_NULL)</c>). No <c>valid</c>/<c>marked</c>: those belong to the v1 list only.
/// </summary>
internal static class V3InstanceJson
{
    public static Dictionary<string, object?> Of(ServiceKey service, InstanceView instance) => new()
    {
        ["instanceId"] = $"{instance.Ip}#{instance.Port.ToString(CultureInfo.InvariantCulture)}#{instance.ClusterName}#{service.GroupedName}",
        ["ip"] = instance.Ip,
        ["port"] = instance.Port,
        ["weight"] = instance.Weight,
        ["healthy"] = instance.Healthy,
        ["enabled"] = instance.Enabled,
        ["ephemeral"] = instance.Ephemeral,
        ["clusterName"] = instance.ClusterName,
        ["serviceName"] = service.GroupedName,
        ["metadata"] = instance.Metadata,
        ["instanceHeartBeatInterval"] = 5000,
        ["instanceHeartBeatTimeOut"] = 15000,
        ["ipDeleteTimeout"] = 30000,
        ["instanceIdGenerator"] = "simple",
    };

    public static List<Dictionary<string, object?>> Of(ServiceKey service, IEnumerable<InstanceView> instances) =>
        instances.Select(i => Of(service, i)).ToList();
}
