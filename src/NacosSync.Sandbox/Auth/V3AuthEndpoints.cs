using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NacosSync.Sandbox.Hosting;

namespace NacosSync.Sandbox.Auth;

/// <summary>
/// The v3 user API of the default auth plugin (plugin-default-impl/.../controller/v3/UserControllerV3.java,
/// <c>/nacos/v3/auth/user</c>): <c>login</c> and <c>admin</c> (the first admin of a 3.x server, which ships none).
/// </summary>
internal static class V3AuthEndpoints
{
    private const string PasswordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static void Map(IEndpointRouteBuilder app, SandboxCluster cluster)
    {
        app.MapPost("/nacos/v3/auth/user/login", async Task<IResult> (HttpContext c) => await LoginAsync(c, cluster));
        app.MapPost("/nacos/v3/auth/user/admin", async Task<IResult> (HttpContext c) => await CreateAdminAsync(c, cluster));
        AuthAdminEndpoints.MapV3(app, cluster);
    }

    /// <summary>
    /// <c>login</c>: <c>{accessToken, tokenTtl, globalAdmin, username}</c> and the token again in the
    /// <c>Authorization: Bearer</c> header. Wrong credentials: AbstractAuthenticationManager's message with 403.
    /// </summary>
    private static async Task<IResult> LoginAsync(HttpContext context, SandboxCluster cluster)
    {
        if (!cluster.Auth.Shipped)
        {
            return await CoreEndpoints.LoginAsync(context, cluster);
        }

        var p = await NacosParams.ReadAsync(context.Request, context.RequestAborted);
        if (!cluster.Auth.CheckPassword(p["username"], p["password"]))
        {
            return NacosResults.Text(SandboxAuth.V3UserNotFound, StatusCodes.Status403Forbidden);
        }

        var token = cluster.Auth.IssueToken(p["username"]!);
        context.Response.Headers.Authorization = "Bearer " + token;
        var admin = await cluster.Auth.IsGlobalAdminAsync(p["username"], context.RequestAborted);
        return NacosResults.JsonBody(new { accessToken = token, tokenTtl = cluster.Auth.TokenTtlSeconds, globalAdmin = admin, username = p["username"] });
    }

    /// <summary>
    /// <c>createAdminUser</c>: user <c>nacos</c> with the posted password (a random one when blank), answered as
    /// <c>Result.success({username, password})</c>; once an admin exists, <c>Result.failure(409, "have admin user cannot use it.")</c>
    /// with HTTP 200. Before 3.1 the options name the admin, so there always is one.
    /// </summary>
    private static async Task<IResult> CreateAdminAsync(HttpContext context, SandboxCluster cluster)
    {
        var p = await NacosParams.ReadAsync(context.Request, context.RequestAborted);
        var password = string.IsNullOrWhiteSpace(p["password"]) ? RandomPassword() : p["password"]!;
        if (!await cluster.Auth.TryCreateAdminAsync(password, context.RequestAborted))
        {
            return NacosResults.JsonBody(new { code = StatusCodes.Status409Conflict, message = "have admin user cannot use it.", data = (object?)null });
        }

        return V3Results.Ok(new { username = SandboxAuth.DefaultAdminName, password });
    }

    private static string RandomPassword() => RandomNumberGenerator.GetString(PasswordAlphabet, 16);
}
