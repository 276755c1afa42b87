using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NacosSync.Sandbox.Hosting;

namespace NacosSync.Sandbox.Naming;

/// <summary>
/// The v3 naming API (reference §8). Client: naming/controllers/v3/InstanceOpenApiController.java
/// (<c>/nacos/v3/client/ns/instance</c>); admin: InstanceControllerV3.java (<c>/nacos/v3/admin/ns/instance</c>) and
/// ServiceControllerV3.java (<c>/nacos/v3/admin/ns/service/list</c>). Parameters are bound as InstanceForm,
/// InstanceListForm, ServiceListForm and PageForm bind them.
/// </summary>
internal static class V3NamingEndpoints
{
    private const string Client = "/nacos/v3/client/ns/instance";
    private const string Admin = "/nacos/v3/admin/ns/instance";

    public static void Map(IEndpointRouteBuilder app, SandboxNode node)
    {
        var cluster = node.Cluster;
        if (cluster.Traits.V3ClientApi)
        {
            app.MapPost(Client, async Task<IResult> (HttpContext c) => await ReadAsync(c) is var p && p.Bool("heartBeat", false)
                ? Beat(cluster, p)
                : Register(cluster, p));
            app.MapDelete(Client, async Task<IResult> (HttpContext c) => Deregister(cluster, await ReadAsync(c)));
            app.MapGet(Client + "/list", async Task<IResult> (HttpContext c) => ClientList(node, await ReadAsync(c)));
        }

        app.MapPost(Admin, async Task<IResult> (HttpContext c) => Register(cluster, await ReadAsync(c)));
        app.MapDelete(Admin, async Task<IResult> (HttpContext c) => Deregister(cluster, await ReadAsync(c)));
        app.MapPut(Admin, async Task<IResult> (HttpContext c) => Update(cluster, await ReadAsync(c)));
        app.MapGet(Admin, async Task<IResult> (HttpContext c) => Detail(cluster, await ReadAsync(c)));
        app.MapGet(Admin + "/list", async Task<IResult> (HttpContext c) => AdminList(cluster, await ReadAsync(c)));
        app.MapGet("/nacos/v3/admin/ns/service/list", async Task<IResult> (HttpContext c) => V3ServiceList.Answer(cluster, await ReadAsync(c)));
    }

    private static Task<NacosParams> ReadAsync(HttpContext context) => NacosParams.ReadAsync(context.Request, context.RequestAborted);

    /// <summary>InstanceForm.validate: serviceName, ip, port in that order; namespace, group and cluster default.</summary>
    private static IResult? Invalid(NacosParams p, bool needsAddress = true)
    {
        if (string.IsNullOrWhiteSpace(p["serviceName"]))
        {
            return V3Results.Missing("serviceName");
        }

        if (needsAddress && string.IsNullOrWhiteSpace(p["ip"]))
        {
            return V3Results.Missing("ip");
        }

        return needsAddress && !p.Has("port") ? V3Results.Missing("port", "Integer") : null;
    }

    private static ServiceKey Service(NacosParams p) =>
        ServiceKey.From(p.Get("namespaceId", NamingDefaults.Namespace), p.Get("serviceName", ""), p["groupName"]);

    private static string ClusterName(NacosParams p) => p.Get("clusterName", NamingDefaults.Cluster);

    private static IResult Register(SandboxCluster cluster, NacosParams p)
    {
        if (Invalid(p) is { } invalid)
        {
            return invalid;
        }

        if (!NamingEndpoints.TryMetadata(p["metadata"], out var metadata))
        {
            return V3Results.ApiError(StatusCodes.Status400BadRequest, V3ErrorCode.ParameterValidateError, "metadata is not a JSON object: " + p["metadata"]);
        }

        var result = cluster.Naming.Register(new RegisterRequest(
            Service(p), p.Get("ip", ""), p.Int("port", 0), ClusterName(p), p.Double("weight", 1), p.Bool("healthy", true),
            p.Bool("enabled", true), p.Bool("ephemeral", true), metadata));

        // The 2.x+ no-mixing refusal is a NacosRuntimeException(400): NacosApiExceptionHandler answers code 30000.
        return result.Ok ? V3Results.Ok("ok") : V3Results.ServerError(StatusCodes.Status400BadRequest, result.Error!);
    }

    /// <summary>
    /// <c>heartBeat=true</c>: InstanceOperatorClientImpl.handleBeat without beat info; an unknown instance is
    /// <c>Result.failure(INSTANCE_NOT_FOUND)</c> with HTTP 200, so the caller registers again.
    /// </summary>
    private static IResult Beat(SandboxCluster cluster, NacosParams p)
    {
        if (Invalid(p) is { } invalid)
        {
            return invalid;
        }

        return cluster.Naming.Beat(Service(p), p.Get("ip", ""), p.Int("port", 0), ClusterName(p), beat: null)
            ? V3Results.Ok("ok")
            : V3Results.Failure(V3ErrorCode.InstanceNotFound);
    }

    /// <summary>Removes the instance; "ok" also when there was none (the controller's documented behaviour).</summary>
    private static IResult Deregister(SandboxCluster cluster, NacosParams p)
    {
        if (Invalid(p) is { } invalid)
        {
            return invalid;
        }

        cluster.Naming.Deregister(Service(p), p.Get("ip", ""), p.Int("port", 0), p.Bool("ephemeral", true));
        return V3Results.Ok("ok");
    }

    /// <summary>
    /// InstanceOperatorClientImpl.updateInstance: the form is a whole instance (absent fields take their defaults);
    /// an unknown service is 400 code 21004. Nacos keeps the metadata of an address not (yet) registered; the sandbox
    /// answers "ok" for it but keeps nothing.
    /// </summary>
    private static IResult Update(SandboxCluster cluster, NacosParams p)
    {
        if (Invalid(p) is { } invalid)
        {
            return invalid;
        }

        if (!NamingEndpoints.TryMetadata(p["metadata"], out var metadata))
        {
            return V3Results.ApiError(StatusCodes.Status400BadRequest, V3ErrorCode.ParameterValidateError, "metadata is not a JSON object: " + p["metadata"]);
        }

        var service = Service(p);
        var ephemeral = p.Bool("ephemeral", true);
        if (!cluster.Naming.ServiceMetadata(service).Exists)
        {
            return V3Results.ApiError(StatusCodes.Status400BadRequest, V3ErrorCode.InstanceError,
                $"service not found, namespace: {service.Namespace}, service: Service{{namespace='{service.Namespace}', group='{service.Group}', name='{service.Name}', ephemeral={(ephemeral ? "true" : "false")}, revision=0}}");
        }

        cluster.Naming.Update(service, p.Get("ip", ""), p.Int("port", 0), ephemeral, p.Bool("enabled", true), p.Double("weight", 1), metadata);
        return V3Results.Ok("ok");
    }

    /// <summary>InstanceOperatorClientImpl.getInstance: 404 code 20004 when the service has no instance or none matches.</summary>
    private static IResult Detail(SandboxCluster cluster, NacosParams p)
    {
        if (Invalid(p) is { } invalid)
        {
            return invalid;
        }

        var service = Service(p);
        var clusterName = ClusterName(p);
        var all = cluster.Naming.AllInstances(service);
        if (all.Count == 0)
        {
            return V3Results.ApiError(StatusCodes.Status404NotFound, V3ErrorCode.ResourceNotFound, $"no ips found for cluster {clusterName} in service {service.GroupedName}");
        }

        var ip = p.Get("ip", "");
        var port = p.Int("port", 0);
        var match = all.FirstOrDefault(i => i.ClusterName == clusterName && i.Ip == ip && i.Port == port);
        return match is null
            ? V3Results.ApiError(StatusCodes.Status404NotFound, V3ErrorCode.ResourceNotFound, "no matched ip found!")
            : V3Results.Ok(V3InstanceJson.Of(service, match));
    }

    /// <summary>
    /// The client list: InstanceOperatorClientImpl.listInstance for the form's cluster (DEFAULT when absent), healthy
    /// protection applied, disabled instances dropped (the controller's comment: "will not return enabled=false").
    /// </summary>
    private static IResult ClientList(SandboxNode node, NacosParams p)
    {
        if (Invalid(p, needsAddress: false) is { } invalid)
        {
            return invalid;
        }

        var service = Service(p);
        var view = node.Cluster.Naming.List(service, ClusterName(p), healthyOnly: false);
        var hosts = node.Faults.Mode == FaultMode.EmptyInstanceList ? [] : view.Hosts;
        return V3Results.Ok(V3InstanceJson.Of(service, hosts));
    }

    /// <summary>
    /// CatalogServiceV2Impl.listInstances: every instance of the form's cluster, disabled ones included; an unknown
    /// service or cluster is a NacosException(404) (code 30000); <c>healthyOnly</c> filters afterwards.
    /// </summary>
    private static IResult AdminList(SandboxCluster cluster, NacosParams p)
    {
        if (Invalid(p, needsAddress: false) is { } invalid)
        {
            return invalid;
        }

        var service = Service(p);
        var clusterName = ClusterName(p);
        if (!cluster.Naming.ServiceMetadata(service).Exists)
        {
            return V3Results.ServerError(StatusCodes.Status404NotFound, $"service {service.Group}@@{service.Name} is not found!");
        }

        var inCluster = cluster.Naming.AllInstances(service).Where(i => i.ClusterName == clusterName).ToList();
        if (inCluster.Count == 0)
        {
            return V3Results.ServerError(StatusCodes.Status404NotFound, $"cluster {clusterName} is not found!");
        }

        var healthyOnly = p.Bool("healthyOnly", false);
        return V3Results.Ok(V3InstanceJson.Of(service, inCluster.Where(i => !healthyOnly || i.Healthy)));
    }
}
