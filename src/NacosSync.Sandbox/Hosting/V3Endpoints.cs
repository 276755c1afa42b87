using Microsoft.AspNetCore.Routing;

namespace NacosSync.Sandbox.Hosting;

/// <summary>The v3 HTTP API of a node (3.0+, reference §8): one entry point so the node maps it in one line.</summary>
internal static class V3Endpoints
{
    public static void Map(IEndpointRouteBuilder app, SandboxNode node)
    {
        if (!node.Cluster.Traits.V3AdminApi)
        {
            return;
        }

        V3CoreEndpoints.Map(app, node);
        Auth.V3AuthEndpoints.Map(app, node.Cluster);
        Naming.V3NamingEndpoints.Map(app, node);
        Config.V3ConfigEndpoints.Map(app, node);
    }
}
