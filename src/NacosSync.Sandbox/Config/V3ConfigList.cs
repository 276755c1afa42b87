using Microsoft.AspNetCore.Http;
using NacosSync.Sandbox.Hosting;

namespace NacosSync.Sandbox.Config;

/// <summary>
/// <c>GET /nacos/v3/admin/cs/config/list</c> (ConfigControllerV3.list): blurSearchValidate (absent dataId and
/// groupName mean all), PageForm (pageNo 1, pageSize 100 by default, below 1 refused), <c>search</c> blur by
/// default (<c>*</c> is the wildcard), straight from the DB. Items are ConfigBasicInfo copied from ConfigInfo
/// (ResponseUtil.transferToConfigBasicInfo): id as a string (ToStringSerializer); a ConfigInfo has no times, so createTime and modifyTime are 0.
/// </summary>
internal static class V3ConfigList
{
    public static async Task<IResult> AnswerAsync(SandboxCluster cluster, NacosParams p, CancellationToken ct)
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

        if (cluster.ConfigStore is not { } store)
        {
            return V3Results.ServerError(StatusCodes.Status503ServiceUnavailable, "the sandbox cluster has no config database");
        }

        var tenant = string.IsNullOrWhiteSpace(p["namespaceId"]) ? cluster.Traits.PublicConfigTenant : p["namespaceId"]!.Trim();
        var blur = !string.Equals(p["search"], "accurate", StringComparison.Ordinal);
        var (total, rows) = await store.SearchAsync(p["dataId"], p["groupName"], tenant, p["appName"], blur, pageNo, pageSize, ct);
        return V3Results.Ok(new
        {
            totalCount = total,
            pageNumber = pageNo,
            pagesAvailable = (total + pageSize - 1) / pageSize,
            pageItems = rows.Select(r => new Dictionary<string, object?>
            {
                ["id"] = r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["namespaceId"] = r.TenantId,
                ["groupName"] = r.GroupId,
                ["dataId"] = r.DataId,
                ["md5"] = cluster.Traits.SearchReturnsMd5 ? r.Md5 : null,
                ["type"] = r.Type,
                ["appName"] = r.AppName,
                ["createTime"] = 0L,
                ["modifyTime"] = 0L,
            }).ToList(),
        });
    }
}
