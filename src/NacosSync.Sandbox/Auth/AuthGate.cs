using Microsoft.AspNetCore.Http;
using NacosSync.Sandbox.Hosting;

namespace NacosSync.Sandbox.Auth;

/// <summary>Which auth switch guards an endpoint (the <c>apiType</c> of its <c>@Secured</c>).</summary>
internal enum AuthScope
{
    /// <summary>No <c>@Secured</c>: login, admin creation, server state, health.</summary>
    Open,

    /// <summary>OPEN_API: the client endpoints (v1 client API, <c>/nacos/v3/client/...</c>).</summary>
    Client,

    /// <summary>ADMIN_API: <c>/nacos/v3/admin/...</c> (3.1+: <c>nacos.core.auth.admin.enabled</c>, on by default).</summary>
    Admin,

    /// <summary>CONSOLE_API: the console port's <c>/v3/console/...</c> (3.1+: <c>nacos.core.auth.console.enabled</c>, on by default).</summary>
    Console,
}

/// <summary>
/// The auth filters of a node (core/auth/AbstractWebAuthFilter, AuthFilter, AuthAdminFilter; the console's
/// NacosConsoleAuthFilter): the server identity header passes, else a token or username/password must check out,
/// else 403 with the message as Spring's error JSON; then the user's permission on the request's resource
/// (<see cref="RequestResource"/>, <see cref="SandboxAuth.AuthorizeAsync"/>), else 403 "authorization failed!".
/// </summary>
internal static class AuthGate
{
    /// <summary>True when the request was refused (403 written).</summary>
    public static async Task<bool> RejectAsync(HttpContext context, SandboxCluster cluster, bool consolePort)
    {
        var auth = cluster.Auth;
        var scope = consolePort ? ConsoleScope(context.Request.Path) : ServerScope(context.Request.Path, auth.Shipped);
        var required = scope switch
        {
            AuthScope.Client => auth.ClientEnabled,
            AuthScope.Admin or AuthScope.Console => auth.AdminEnabled,
            _ => false,
        };
        if (!required)
        {
            return false;
        }

        var parameters = await NacosParams.ReadAsync(context.Request, context.RequestAborted);
        var failure = auth.Check(context.Request, parameters, out var user);
        if (failure != AuthFailure.None)
        {
            await V3Results.WriteSpringErrorAsync(context, cluster.Clock, StatusCodes.Status403Forbidden, "Forbidden", auth.Message(failure));
            return true;
        }

        // Authenticated (a server identity passes every check); then validateAuthority on the resource the path names.
        var target = RequestResource.Of(context.Request, parameters);
        if (user is null || await auth.AuthorizeAsync(user, target?.Resource, target?.Action ?? "r", context.RequestAborted))
        {
            return false;
        }

        await V3Results.WriteSpringErrorAsync(context, cluster.Clock, StatusCodes.Status403Forbidden, "Forbidden", auth.AuthorizationMessage);
        return true;
    }

    /// <summary>The scope of a server-port path. Before 3.1 one switch guards everything but the open paths.</summary>
    private static AuthScope ServerScope(PathString path, bool shipped)
    {
        if (path.StartsWithSegments("/nacos/v1/auth", StringComparison.Ordinal)
            || path.StartsWithSegments("/nacos/v3/auth", StringComparison.Ordinal)
            || path.StartsWithSegments("/nacos/v3/admin/core/state", StringComparison.Ordinal)
            || path.Equals("/nacos/v1/console/server/state", StringComparison.Ordinal)
            || path.Equals("/nacos/v1/console/health/liveness", StringComparison.Ordinal)
            || path.Equals("/nacos/v1/console/health/readiness", StringComparison.Ordinal))
        {
            return AuthScope.Open;
        }

        if (!shipped)
        {
            return AuthScope.Client;
        }

        // 3.1+: the filters guard @Secured methods only; a path no controller maps passes on to its 404.
        if (path.StartsWithSegments("/nacos/v3/admin", StringComparison.Ordinal))
        {
            return AuthScope.Admin;
        }

        return path.StartsWithSegments("/nacos/v3/client", StringComparison.Ordinal)
            || path.StartsWithSegments("/nacos/v1", StringComparison.Ordinal)
            || path.StartsWithSegments("/nacos/v2", StringComparison.Ordinal)
                ? AuthScope.Client
                : AuthScope.Open;
    }

    /// <summary>
    /// Console-port paths: server state and health are open (no <c>@Secured</c> in ConsoleServerStateController /
    /// ConsoleHealthController); a path no console controller maps passes the filter and is 404.
    /// </summary>
    private static AuthScope ConsoleScope(PathString path) =>
        !path.StartsWithSegments("/v3/console", StringComparison.Ordinal)
        || path.StartsWithSegments("/v3/console/server", StringComparison.Ordinal)
        || path.StartsWithSegments("/v3/console/health", StringComparison.Ordinal)
            ? AuthScope.Open
            : AuthScope.Console;
}
