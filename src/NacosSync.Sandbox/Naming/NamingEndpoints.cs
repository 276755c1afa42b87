using Microsoft.AspNetCore.Routing;

namespace NacosSync.Sandbox.Naming;

/// <summary>The naming API (v1, and the v2 wrappers).</summary>
internal static class NamingEndpoints
{
    public static void Map(IEndpointRouteBuilder app, SandboxNode node)
    {
        _ = app;
        _ = node;
    }
}
