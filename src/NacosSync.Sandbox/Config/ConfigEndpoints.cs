using Microsoft.AspNetCore.Routing;

namespace NacosSync.Sandbox.Config;

/// <summary>The config API (v1, ops, and the v2 wrappers).</summary>
internal static class ConfigEndpoints
{
    public static void Map(IEndpointRouteBuilder app, SandboxNode node)
    {
        _ = app;
        _ = node;
    }
}
