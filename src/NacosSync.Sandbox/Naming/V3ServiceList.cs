using Microsoft.AspNetCore.Http;
using NacosSync.Sandbox.Hosting;

namespace NacosSync.Sandbox.Naming;

/// <summary>
/// <c>GET /nacos/v3/admin/ns/service/list</c>: ServiceControllerV3.list → CatalogServiceV2Impl.listService. Every
/// group; <c>groupNameParam</c>/<c>serviceNameParam</c> match as substrings (Nacos builds the regex
/// <c>.*group.*@@.*name.*</c>); <c>ignoreEmptyService</c> defaults to false (ServiceListForm); PageForm defaults
/// pageNo 1, pageSize 100 and refuses values below 1; a plain Page, no catalog short-list quirk. With
/// <c>withInstances=true</c> the controller answers CatalogServiceV2Impl.pageListServiceDetail instead (see <see cref="Details"/>).
/// </summary>
internal static class V3ServiceList
{
    public static IResult Answer(SandboxCluster cluster, NacosParams p)
    {
        var pageNo = p.Int("pageNo", 1);
        var pageSize = p.Int("pageSize", 100);
        if (pageNo < 1)
        {
            return V3Results.ApiError(StatusCodes.Status400BadRequest, V3ErrorCode.ParameterValidateError, $"Required parameter 'pageNo' should be positive integer, current is {pageNo}");
        }

        if (pageSize < 1)
        {
            return V3Results.ApiError(StatusCodes.Status400BadRequest, V3ErrorCode.ParameterValidateError, $"Required parameter 'pageSize' should be positive integer, current is {pageSize}");
        }

        var matching = Matching(cluster, p);
        if (p.Bool("withInstances", false))
        {
            return Details(cluster, matching, pageNo, pageSize);
        }

        var ignoreEmpty = p.Bool("ignoreEmptyService", false);
        var services = matching
            .Select(k => (Key: k, Counts: cluster.Naming.Counts(k)))
            .Where(s => !ignoreEmpty || s.Counts.IpCount > 0)
            .ToList();
        return V3Results.Ok(new
        {
            totalCount = services.Count,
            pageNumber = pageNo,
            pagesAvailable = (services.Count + pageSize - 1) / pageSize,
            pageItems = services.Skip((pageNo - 1) * pageSize).Take(pageSize).Select(s => new
            {
                name = s.Key.Name,
                groupName = s.Key.Group,
                clusterCount = s.Counts.ClusterCount,
                ipCount = s.Counts.IpCount,
                healthyInstanceCount = s.Counts.HealthyCount,
                triggerFlag = TriggerFlag(cluster, s.Key, s.Counts.IpCount, s.Counts.HealthyCount),
            }).ToList(),
        });
    }

    /// <summary>
    /// <c>Page&lt;ServiceDetailInfo&gt;</c> (api/naming/pojo/maintainer/ServiceDetailInfo.java, ClusterInfo.java): every
    /// matching service, empty ones too (ignoreEmptyService is not consulted), with <c>serviceName</c> (no group),
    /// <c>groupName</c>, the service's extend metadata and <c>clusterMap</c> keyed by each instance's cluster, whose
    /// <c>hosts</c> are every instance ServiceStorage.getData holds, disabled included. The fields pageListServiceDetail
    /// never sets keep their Java defaults (null; protectThreshold 0; ClusterInfo healthyCheckPort 80,
    /// useInstancePortForCheck true).
    /// </summary>
    private static IResult Details(SandboxCluster cluster, List<ServiceKey> services, int pageNo, int pageSize) => V3Results.Ok(new
    {
        totalCount = services.Count,
        pageNumber = pageNo,
        pagesAvailable = (services.Count + pageSize - 1) / pageSize,
        pageItems = services.Skip((pageNo - 1) * pageSize).Take(pageSize).Select(key => new
        {
            namespaceId = (string?)null,
            serviceName = key.Name,
            groupName = key.Group,
            clusterMap = cluster.Naming.AllInstances(key)
                .GroupBy(i => i.ClusterName, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => new
                {
                    clusterName = (string?)null,
                    healthChecker = (object?)null,
                    healthyCheckPort = 80,
                    useInstancePortForCheck = true,
                    metadata = (object?)null,
                    hosts = V3InstanceJson.Of(key, g),
                }, StringComparer.Ordinal),
            metadata = cluster.Naming.ServiceMetadata(key).Metadata,
            protectThreshold = 0f,
            selector = (object?)null,
            ephemeral = (bool?)null,
        }).ToList(),
    });

    /// <summary>CatalogServiceV2Impl.patternServices: <c>.*group.*@@.*name.*</c>, read here as substring matches.</summary>
    private static List<ServiceKey> Matching(SandboxCluster cluster, NacosParams p)
    {
        var nameFilter = p["serviceNameParam"];
        var groupFilter = p["groupNameParam"];
        return cluster.Naming.Services(p.Get("namespaceId", NamingDefaults.Namespace), null)
            .Where(k => string.IsNullOrEmpty(nameFilter) || k.Name.Contains(nameFilter, StringComparison.Ordinal))
            .Where(k => string.IsNullOrEmpty(groupFilter) || k.Group.Contains(groupFilter, StringComparison.Ordinal))
            .ToList();
    }

    /// <summary>isProtectThreshold: healthy / ipCount ≤ protectThreshold, as a string; 0 / 0 is NaN, never ≤.</summary>
    private static string TriggerFlag(SandboxCluster cluster, ServiceKey key, int ipCount, int healthyCount)
    {
        var threshold = cluster.Naming.ServiceMetadata(key).ProtectThreshold;
        return ipCount > 0 && (double)healthyCount / ipCount <= threshold ? "true" : "false";
    }
}
