using Microsoft.AspNetCore.Http;

namespace NacosSync.Sandbox.Hosting;

/// <summary>
/// What 3.x does to the v1 and v2 HTTP API before any controller runs (reference §1, §8): 3.0/3.1's
/// <c>ApiCompatibilityFilter</c> answers 410 for console and admin endpoints, 3.2+ has no v1/v2 controllers
/// at all (404) but the v1 login.
/// </summary>
internal static class LegacyApiGate
{
    private const string LegacyLogin = "/nacos/v1/auth/users/login";

    /// <summary>True when the request was answered here (410 or 404) and must not reach an endpoint.</summary>
    public static async Task<bool> RejectAsync(HttpContext context, SandboxCluster cluster)
    {
        var mode = cluster.Traits.LegacyApi;
        if (mode == LegacyHttpApi.Served)
        {
            return false;
        }

        var path = context.Request.Path;
        var legacy = path.StartsWithSegments("/nacos/v1", StringComparison.Ordinal) || path.StartsWithSegments("/nacos/v2", StringComparison.Ordinal);
        if (!legacy)
        {
            return false;
        }

        if (mode == LegacyHttpApi.Removed)
        {
            if (path.Equals(LegacyLogin, StringComparison.Ordinal))
            {
                return false;
            }

            // No controller maps the path: Spring's NoResourceFoundException, answered with its error JSON.
            await V3Results.WriteSpringErrorAsync(context, cluster.Clock, StatusCodes.Status404NotFound, "Not Found",
                $"No static resource {path.Value!["/nacos/".Length..]}.");
            return true;
        }

        var entry = ApiCompatibilityTable.Find(context.Request);
        if (entry is null)
        {
            return false;
        }

        // ApiCompatibilityFilter.responseReject: sendError(410, JSON of Result.failure(40000, message, null)).
        var result = NacosResults.Serialize(new { code = V3ErrorCode.ApiDeprecated.Code, message = entry.Message, data = (object?)null });
        await V3Results.WriteSpringErrorAsync(context, cluster.Clock, StatusCodes.Status410Gone, "Gone", result);
        return true;
    }
}
