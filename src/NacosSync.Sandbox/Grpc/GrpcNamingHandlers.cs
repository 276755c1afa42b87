using NacosSync.Sandbox.Naming;

namespace NacosSync.Sandbox.Grpc;

/// <summary>
/// The naming request handlers of naming/src/main/java/com/alibaba/nacos/naming/remote/rpc/handler/:
/// ephemeral instances owned by the calling connection, subscriptions held by it (reference §9).
/// </summary>
internal static class GrpcNamingHandlers
{
    public static void AddTo(Dictionary<string, GrpcHandler> handlers, GrpcProfile profile)
    {
        handlers["InstanceRequest"] = new(true, () => new InstanceResponse(null), Sync(Instance),
            GrpcPermission.Naming("w"));
        if (profile.BatchRegister)
        {
            handlers["BatchInstanceRequest"] = new(true, () => new BatchInstanceResponse(null), Sync(BatchInstance),
                GrpcPermission.Naming("w"));
        }

        handlers["SubscribeServiceRequest"] = new(true, () => new SubscribeServiceResponse(null), Sync(Subscribe),
            GrpcPermission.Naming("r"));
        handlers["ServiceQueryRequest"] = new(true, () => new QueryServiceResponse(null), Sync(Query),
            GrpcPermission.Naming("r"));
        handlers["ServiceListRequest"] = new(true, () => new ServiceListResponse(0, null), Sync(List),
            GrpcPermission.Naming("r"));
    }

    /// <summary>InstanceRequestHandler: registerInstance replaces the connection's instance of the service; deregisterInstance removes it.</summary>
    private static NacosResponse Instance(GrpcCall call)
    {
        var request = call.Body<InstanceRequest>();
        var service = Service(request.Namespace, request.ServiceName, request.GroupName);
        switch (request.Type)
        {
            case "registerInstance":
                var instance = request.Instance ?? throw new NacosRequestException(NacosErrorCodes.InvalidParam, "Param 'instance' is illegal, instance is null");
                Write(call, service, [ToRegister(service, instance)], batch: false);
                return new InstanceResponse("registerInstance");
            case "deregisterInstance":
                Write(call, service, [], batch: false);
                return new InstanceResponse("deregisterInstance");
            default:
                throw new NacosRequestException(NacosErrorCodes.InvalidParam, $"Unsupported request type {request.Type}");
        }
    }

    /// <summary>BatchInstanceRequestHandler (2.1.1+): the batch replaces everything the connection held in the service.</summary>
    private static NacosResponse BatchInstance(GrpcCall call)
    {
        var request = call.Body<BatchInstanceRequest>();
        var service = Service(request.Namespace, request.ServiceName, request.GroupName);
        if (request.Type != "batchRegisterInstance")
        {
            throw new NacosRequestException(NacosErrorCodes.InvalidParam, $"Unsupported request type {request.Type}");
        }

        Write(call, service, [.. (request.Instances ?? []).Select(i => ToRegister(service, i))], batch: true);
        return new BatchInstanceResponse("batchRegisterInstance");
    }

    /// <summary>
    /// SubscribeServiceRequestHandler: answers the current ServiceInfo, then pushes on every change. Without clusters the
    /// answer is the stored data as is (disabled instances included, own health); with clusters, the list view (Nacos's
    /// selectInstancesWithHealthyProtection keeps disabled ones there: not modelled, the daemon names no clusters).
    /// </summary>
    private static NacosResponse Subscribe(GrpcCall call)
    {
        var request = call.Body<SubscribeServiceRequest>();
        var service = Service(request.Namespace, request.ServiceName, request.GroupName);
        var clusters = request.Clusters ?? "";
        var info = string.IsNullOrWhiteSpace(clusters)
            ? GrpcServiceInfos.Stored(call.Node.Cluster.Naming, service)
            : GrpcServiceInfos.Read(call.Node.Cluster.Naming, service, clusters, healthyOnly: false);
        if (request.Subscribe)
        {
            call.Connection.Subscriptions[service] = clusters;
        }
        else
        {
            call.Connection.Subscriptions.TryRemove(service, out _);
        }

        return new SubscribeServiceResponse(info) { Message = "success" };
    }

    /// <summary>ServiceQueryRequestHandler.</summary>
    private static NacosResponse Query(GrpcCall call)
    {
        var request = call.Body<ServiceQueryRequest>();
        var service = Service(request.Namespace, request.ServiceName, request.GroupName);
        return new QueryServiceResponse(GrpcServiceInfos.Read(call.Node.Cluster.Naming, service, request.Cluster ?? "", request.HealthyOnly));
    }

    /// <summary>
    /// ServiceListRequestHandler: the services of exactly <c>groupName</c> (Objects.equals: no group,
    /// no services), names without the group, paged by ServiceUtil.pageServiceName.
    /// </summary>
    private static NacosResponse List(GrpcCall call)
    {
        var request = call.Body<ServiceListRequest>();
        var all = request.GroupName is { } group
            ? call.Node.Cluster.Naming.Services(Namespace(request.Namespace), group)
            : [];
        var start = Math.Max(0, (request.PageNo - 1) * request.PageSize);
        var page = start >= all.Count ? [] : all.Skip(start).Take(Math.Max(0, request.PageSize)).Select(k => k.Name).ToList();
        return new ServiceListResponse(all.Count, page);
    }

    private static void Write(GrpcCall call, ServiceKey service, IReadOnlyList<RegisterRequest> instances, bool batch)
    {
        var naming = call.Node.Cluster.Naming;
        var result = naming.ReplaceConnectionInstances(call.Connection.Id, service, instances, batch);
        if (!result.Ok)
        {
            // NacosRuntimeException(INVALID_PARAM, "Current service ... is persistent service, ...").
            throw NacosRequestException.Runtime(NacosErrorCodes.InvalidParam, result.Error!);
        }

        // The connection may have been unregistered while this request ran (unregister removes it from the
        // registry before removing its instances): take back what was just written, as checkClientIsLegal refuses.
        if (call.Node.Grpc.Connections.Find(call.Connection.Id) is null)
        {
            naming.RemoveConnection(call.Connection.Id);
            throw NacosRequestException.Runtime(NacosErrorCodes.ClientDisconnect,
                $"Client [{call.Connection.Id}] connection already disconnect, can't register ephemeral instance.");
        }
    }

    private static ServiceKey Service(string? namespaceId, string? serviceName, string? groupName)
    {
        if (string.IsNullOrWhiteSpace(serviceName))
        {
            throw new NacosRequestException(NacosErrorCodes.InvalidParam, "Param 'serviceName' is illegal, serviceName is blank");
        }

        return ServiceKey.From(Namespace(namespaceId), serviceName, groupName);
    }

    private static string Namespace(string? namespaceId) => string.IsNullOrWhiteSpace(namespaceId) ? NamingDefaults.Namespace : namespaceId;

    private static RegisterRequest ToRegister(ServiceKey service, InstanceBody instance)
    {
        if (string.IsNullOrWhiteSpace(instance.Ip) || instance.Port is < 0 or > 65535)
        {
            throw new NacosRequestException(NacosErrorCodes.InvalidParam, $"Param 'instance' is illegal, ip '{instance.Ip}' port {instance.Port}");
        }

        return new RegisterRequest(
            service,
            instance.Ip,
            instance.Port,
            string.IsNullOrEmpty(instance.ClusterName) ? NamingDefaults.Cluster : instance.ClusterName,
            instance.Weight ?? 1.0,
            instance.Healthy ?? true,
            instance.Enabled ?? true,
            true,
            instance.Metadata ?? new Dictionary<string, string>(StringComparer.Ordinal));
    }

    private static Func<GrpcCall, Task<NacosResponse>> Sync(Func<GrpcCall, NacosResponse> handle) => call => Task.FromResult(handle(call));
}
