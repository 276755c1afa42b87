namespace NacosSync.Nacos.Grpc.Messages;

// Naming bodies, from alibaba/nacos api/src/main/java/com/alibaba/nacos/api/naming/remote/{request,response}/
// and the pojos api/.../naming/pojo/Instance.java and ServiceInfo.java. Type values from
// api/.../naming/remote/NamingRemoteConstants.java.

/// <summary><c>com.alibaba.nacos.api.naming.pojo.Instance</c> as it travels (Instance.java fields; <c>@JsonInclude(NON_NULL)</c>).</summary>
internal sealed record GrpcInstance
{
    public string? InstanceId { get; init; }

    public required string Ip { get; init; }

    public int Port { get; init; }

    public double Weight { get; init; } = 1.0;

    public bool Healthy { get; init; } = true;

    public bool Enabled { get; init; } = true;

    public bool Ephemeral { get; init; } = true;

    public string? ClusterName { get; init; }

    public string? ServiceName { get; init; }

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

/// <summary><c>com.alibaba.nacos.api.naming.pojo.ServiceInfo</c>: what queries answer and subscribers are pushed.</summary>
internal sealed record GrpcServiceInfo
{
    public string? Name { get; init; }

    public string? GroupName { get; init; }

    public string? Clusters { get; init; }

    public long CacheMillis { get; init; }

    public IReadOnlyList<GrpcInstance> Hosts { get; init; } = [];

    public long LastRefTime { get; init; }

    public string? Checksum { get; init; }

    public bool AllIps { get; init; }

    public bool ReachProtectionThreshold { get; init; }
}

/// <summary><c>AbstractNamingRequest {namespace, serviceName, groupName}</c>, module <c>naming</c>.</summary>
internal abstract record NamingRequest : GrpcRequest
{
    public string? Namespace { get; init; }

    public string? ServiceName { get; init; }

    public string? GroupName { get; init; }

    public override string Module => "naming";
}

/// <summary><c>InstanceRequest {type, instance}</c>: one ephemeral instance per service per connection.</summary>
internal sealed record InstanceRequest : NamingRequest
{
    public const string Register = "registerInstance";
    public const string Deregister = "deregisterInstance";

    public required string Type { get; init; }

    public required GrpcInstance Instance { get; init; }
}

internal sealed record InstanceResponse : GrpcResponse
{
    public string? Type { get; init; }
}

/// <summary><c>BatchInstanceRequest {type:"batchRegisterInstance", instances}</c> (2.1.1+): replaces this connection's set for the service.</summary>
internal sealed record BatchInstanceRequest : NamingRequest
{
    public const string BatchRegister = "batchRegisterInstance";

    public string Type { get; init; } = BatchRegister;

    public required IReadOnlyList<GrpcInstance> Instances { get; init; }
}

internal sealed record BatchInstanceResponse : GrpcResponse
{
    public string? Type { get; init; }
}

/// <summary><c>SubscribeServiceRequest {subscribe, clusters}</c>: the answer carries the current service, pushes follow.</summary>
internal sealed record SubscribeServiceRequest : NamingRequest
{
    public bool Subscribe { get; init; } = true;

    public string Clusters { get; init; } = "";
}

internal sealed record SubscribeServiceResponse : GrpcResponse
{
    public GrpcServiceInfo? ServiceInfo { get; init; }
}

/// <summary>Server push on every change of a subscribed service (a <c>ServerRequest</c>, module <c>naming</c>).</summary>
internal sealed record NotifySubscriberRequest : GrpcRequest
{
    public string? Namespace { get; init; }

    public string? ServiceName { get; init; }

    public string? GroupName { get; init; }

    public GrpcServiceInfo? ServiceInfo { get; init; }

    public override string Module => "naming";
}

internal sealed record NotifySubscriberResponse : GrpcResponse;

/// <summary><c>ServiceQueryRequest {cluster, healthyOnly, udpPort}</c>.</summary>
internal sealed record ServiceQueryRequest : NamingRequest
{
    public string Cluster { get; init; } = "";

    public bool HealthyOnly { get; init; }

    public int UdpPort { get; init; }

    public override bool IsRead => true;
}

/// <summary>The answer to <see cref="ServiceQueryRequest"/> (<c>QueryServiceResponse.java</c>: note the word order).</summary>
internal sealed record QueryServiceResponse : GrpcResponse
{
    public GrpcServiceInfo? ServiceInfo { get; init; }
}

/// <summary><c>ServiceListRequest {pageNo, pageSize, selector}</c> (serviceName "" in the Java constructor).</summary>
internal sealed record ServiceListRequest : NamingRequest
{
    public int PageNo { get; init; } = 1;

    public int PageSize { get; init; } = 100;

    public string? Selector { get; init; }

    public override bool IsRead => true;
}

internal sealed record ServiceListResponse : GrpcResponse
{
    public int Count { get; init; }

    public IReadOnlyList<string> ServiceNames { get; init; } = [];
}
