using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NacosSync.Sandbox.Auth;

namespace NacosSync.Sandbox.Hosting;

/// <summary>
/// 3.x: the console's own web server on <c>nacos.console.port</c> (console/src/main/resources/nacos-console.properties:
/// <c>server.port=${nacos.console.port:8080}</c>, context path <c>${nacos.console.contextPath:}</c>, empty by default).
/// The sandbox serves the console's server state (ConsoleServerStateController) and namespace list
/// (ConsoleNamespaceController) there, and nothing of the server API; a token from the server port's login works.
/// </summary>
internal sealed class ConsoleHost
{
    private readonly SandboxNode _node;
    private WebApplication? _app;

    public ConsoleHost(SandboxNode node, int port)
    {
        _node = node;
        Port = port;
    }

    /// <summary>The console port (known once first started).</summary>
    public int Port { get; private set; }

    public async Task StartAsync(CancellationToken ct)
    {
        var cluster = _node.Cluster;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse(cluster.Options.Host), Port));
        var app = builder.Build();
        app.Use(_node.Requests.HandleAsync);
        app.Use(async (context, next) =>
        {
            if (!await AuthGate.RejectAsync(context, cluster, consolePort: true))
            {
                await next();
            }
        });
        app.MapGet("/v3/console/server/state", () => NacosResults.JsonBody(CoreEndpoints.ServerState(cluster)));
        app.MapGet("/v3/console/health/liveness", () => V3Results.Ok("ok"));
        app.MapGet("/v3/console/core/namespace/list", async Task<IResult> (HttpContext c) =>
            V3Results.Ok(await CoreEndpoints.NamespacesAsync(cluster, c.RequestAborted)));
        await app.StartAsync(ct);
        Port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        _app = app;
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (_app is not { } app)
        {
            return;
        }

        _app = null;
        await app.StopAsync(ct);
        await app.DisposeAsync();
    }
}
