using Microsoft.AspNetCore.Http;
using NacosSync.Sandbox.Hosting;

namespace NacosSync.Sandbox.Naming;

/// <summary>
/// <c>GET /nacos/v3/admin/ns/service/list</c>: ServiceControllerV3.list → CatalogServiceV2Impl.listService. Every
/// group; <c>groupNameParam</c>/<c>serviceNameParam</c> match as substrings (Nacos builds the regex
/// <c>.*group.*@@.*name.*</c>); <c>ignoreEmptyService</c> defaults to false (ServiceListForm); PageForm defaults
/// pageNo 1, pageSize 100 and refuses values below 1; a plain Page, no catalog short-list quirk.
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

        var nameFilter = p["serviceNameParam"];
        var groupFilter = p["groupNameParam"];
        var ignoreEmpty = p.Bool("ignoreEmptyService", false);
        var services = cluster.Naming.Services(p.Get("namespaceId", NamingDefaults.Namespace), null)
            .Where(k => string.IsNullOrEmpty(nameFilter) || k.Name.Contains(nameFilter, StringComparison.Ordinal))
            .Where(k => string.IsNullOrEmpty(groupFilter) || k.Group.Contains(groupFilter, StringComparison.Ordinal))
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

    /// <summary>isProtectThreshold: healthy / ipCount ≤ protectThreshold, as a string; 0 / 0 is NaN, never ≤.</summary>
    private static string TriggerFlag(SandboxCluster cluster, ServiceKey key, int ipCount, int healthyCount)
    {
        var threshold = cluster.Naming.ServiceMetadata(key).ProtectThreshold;
        return ipCount > 0 && (double)healthyCount / ipCount <= threshold ? "true" : "false";
    }
}
