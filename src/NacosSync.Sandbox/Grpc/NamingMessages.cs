namespace NacosSync.Sandbox.Grpc;

// Naming bodies from alibaba/nacos api/src/main/java/com/alibaba/nacos/api/naming/remote/{request,response}/
// (AbstractNamingRequest: namespace, serviceName, groupName; module "naming") and the pojos
// api/.../naming/pojo/{Instance,ServiceInfo}.java.

/// <summary>Instance.java as a request carries it.</summary>
internal sealed record InstanceBody(
    string? InstanceId,
    string? Ip,
    int Port,
    double? Weight,
    bool? Healthy,
    bool? Enabled,
    bool? Ephemeral,
    string? ClusterName,
    string? ServiceName,
    Dictionary<string, string>? Metadata);

/// <summary>InstanceRequest.java: type "registerInstance" | "deregisterInstance" (NamingRemoteConstants).</summary>
internal sealed record InstanceRequest(string? Namespace, string? ServiceName, string? GroupName, string? Type, InstanceBody? Instance);

/// <summary>BatchInstanceRequest.java (2.1.1+): type "batchRegisterInstance".</summary>
internal sealed record BatchInstanceRequest(string? Namespace, string? ServiceName, string? GroupName, string? Type, List<InstanceBody>? Instances);

/// <summary>InstanceResponse.java: echoes the operation type.</summary>
internal sealed record InstanceResponse(string? Type) : NacosResponse;

/// <summary>BatchInstanceResponse.java (extends InstanceResponse).</summary>
internal sealed record BatchInstanceResponse(string? Type) : NacosResponse;

/// <summary>SubscribeServiceRequest.java: subscribe or unsubscribe, optional clusters.</summary>
internal sealed record SubscribeServiceRequest(string? Namespace, string? ServiceName, string? GroupName, bool Subscribe, string? Clusters);

/// <summary>SubscribeServiceResponse.java: the current ServiceInfo (answered with message "success").</summary>
internal sealed record SubscribeServiceResponse(GrpcServiceInfo? ServiceInfo) : NacosResponse;

/// <summary>ServiceQueryRequest.java.</summary>
internal sealed record ServiceQueryRequest(string? Namespace, string? ServiceName, string? GroupName, string? Cluster, bool HealthyOnly, int UdpPort);

/// <summary>QueryServiceResponse.java.</summary>
internal sealed record QueryServiceResponse(GrpcServiceInfo? ServiceInfo) : NacosResponse;

/// <summary>ServiceListRequest.java: one group's service names, paged.</summary>
internal sealed record ServiceListRequest(string? Namespace, string? ServiceName, string? GroupName, int PageNo, int PageSize, string? Selector);

/// <summary>ServiceListResponse.java: count of the group's services, names of the page (without the group).</summary>
internal sealed record ServiceListResponse(int Count, IReadOnlyList<string>? ServiceNames) : NacosResponse;

/// <summary>NotifySubscriberRequest.java, as PushExecutorRpcImpl builds it: only serviceInfo is set.</summary>
internal sealed record NotifySubscriberRequest(GrpcServiceInfo ServiceInfo) : ServerPush
{
    public string? Namespace { get; init; }

    public string? ServiceName { get; init; }

    public string? GroupName { get; init; }

    public override string Module => "naming";
}

/// <summary>
/// ServiceInfo.java as ServiceStorage builds it for gRPC: <c>name</c> is the bare service name (the
/// group is in <c>groupName</c>), cacheMillis the push default 10000.
/// </summary>
internal sealed record GrpcServiceInfo(
    string Name,
    string GroupName,
    string Clusters,
    long CacheMillis,
    IReadOnlyList<GrpcInstance> Hosts,
    long LastRefTime,
    string Checksum,
    bool AllIPs,
    bool ReachProtectionThreshold,
    bool Valid);

/// <summary>Instance.java as a read returns it (serviceName = GROUP@@name; the preserved heartbeat timings).</summary>
internal sealed record GrpcInstance(
    string InstanceId,
    string Ip,
    int Port,
    double Weight,
    bool Healthy,
    bool Enabled,
    bool Ephemeral,
    string ClusterName,
    string ServiceName,
    IReadOnlyDictionary<string, string> Metadata,
    long InstanceHeartBeatInterval,
    long InstanceHeartBeatTimeOut,
    long IpDeleteTimeout,
    string InstanceIdGenerator);
