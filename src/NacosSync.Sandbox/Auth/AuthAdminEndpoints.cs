using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NacosSync.Sandbox.Hosting;

namespace NacosSync.Sandbox.Auth;

/// <summary>
/// The user, role and permission API of the default auth plugin, on the cluster's database (2.4.3 plugin-default-impl
/// controller/UserController, RoleController, PermissionController under <c>/nacos/v1/auth/...</c>; 3.0.3
/// controller/v3/UserControllerV3, RoleControllerV3, PermissionControllerV3 under <c>/nacos/v3/auth/...</c>). Every
/// method is <c>@Secured(resource = "console/...")</c>: with auth on only a global admin (or the server identity) passes.
/// Lists are <c>Page {totalCount, pageNumber, pagesAvailable, pageItems}</c> (v1 bare, v3 in <c>Result</c>); a user
/// is <c>{username, password}</c> (ExternalUserPersistServiceImpl.getUsers selects the hash).
/// </summary>
internal static class AuthAdminEndpoints
{
    public static void MapV1(IEndpointRouteBuilder app, SandboxCluster cluster)
    {
        app.MapGet("/nacos/v1/auth/users", async Task<IResult> (HttpContext c) => await Handle(c, cluster, v3: false, ListUsersAsync));
        app.MapGet("/nacos/v1/auth/roles", async Task<IResult> (HttpContext c) => await Handle(c, cluster, v3: false, ListRolesAsync));
        app.MapPost("/nacos/v1/auth/roles", async Task<IResult> (HttpContext c) => await Handle(c, cluster, v3: false, AddRoleAsync));
        app.MapDelete("/nacos/v1/auth/roles", async Task<IResult> (HttpContext c) => await Handle(c, cluster, v3: false, DeleteRoleAsync));
        app.MapGet("/nacos/v1/auth/permissions", async Task<IResult> (HttpContext c) => await Handle(c, cluster, v3: false, ListPermissionsAsync));
        app.MapPost("/nacos/v1/auth/permissions", async Task<IResult> (HttpContext c) => await Handle(c, cluster, v3: false, AddPermissionAsync));
        app.MapDelete("/nacos/v1/auth/permissions", async Task<IResult> (HttpContext c) => await Handle(c, cluster, v3: false, DeletePermissionAsync));
    }

    public static void MapV3(IEndpointRouteBuilder app, SandboxCluster cluster)
    {
        app.MapGet("/nacos/v3/auth/user/list", async Task<IResult> (HttpContext c) => await Handle(c, cluster, v3: true, ListUsersAsync));
        app.MapGet("/nacos/v3/auth/role/list", async Task<IResult> (HttpContext c) => await Handle(c, cluster, v3: true, ListRolesAsync));
        app.MapPost("/nacos/v3/auth/role", async Task<IResult> (HttpContext c) => await Handle(c, cluster, v3: true, AddRoleAsync));
        app.MapDelete("/nacos/v3/auth/role", async Task<IResult> (HttpContext c) => await Handle(c, cluster, v3: true, DeleteRoleAsync));
        app.MapGet("/nacos/v3/auth/permission/list", async Task<IResult> (HttpContext c) => await Handle(c, cluster, v3: true, ListPermissionsAsync));
        app.MapPost("/nacos/v3/auth/permission", async Task<IResult> (HttpContext c) => await Handle(c, cluster, v3: true, AddPermissionAsync));
        app.MapDelete("/nacos/v3/auth/permission", async Task<IResult> (HttpContext c) => await Handle(c, cluster, v3: true, DeletePermissionAsync));
    }

    private delegate Task<IResult> Operation(Call call);

    /// <summary>One request: its parameters, the database, the API line.</summary>
    private sealed record Call(NacosParams P, AuthDirectory Directory, bool V3, CancellationToken Ct)
    {
        public IResult Ok(object data) => V3 ? V3Results.Ok(data) : data is string text ? NacosResults.JsonBody(new { code = 200, message = (string?)null, data = text }) : NacosResults.JsonBody(data);

        /// <summary>An IllegalArgumentException of the role service: 400 with its text (v1 "caused: ...;", v3 a Result).</summary>
        public IResult Refused(string message) => V3
            ? V3Results.ApiError(StatusCodes.Status400BadRequest, V3ErrorCode.ParameterValidateError, message)
            : NacosResults.Caused(message);
    }

    private static async Task<IResult> Handle(HttpContext context, SandboxCluster cluster, bool v3, Operation operation)
    {
        var auth = cluster.Auth;
        var p = await NacosParams.ReadAsync(context.Request, context.RequestAborted);
        if (v3 ? auth.AdminEnabled : auth.ClientEnabled)
        {
            var failure = auth.Check(context.Request, p, out var user);
            var message = failure != AuthFailure.None ? auth.Message(failure)
                : user is not null && !await auth.IsGlobalAdminAsync(user, context.RequestAborted) ? auth.AuthorizationMessage
                : null;
            if (message is not null)
            {
                await V3Results.WriteSpringErrorAsync(context, cluster.Clock, StatusCodes.Status403Forbidden, "Forbidden", message);
                return Results.Empty;
            }
        }

        if (auth.Directory is not { } directory)
        {
            return NacosResults.Caused("the sandbox cluster has no database: users, roles and permissions live there", StatusCodes.Status503ServiceUnavailable);
        }

        foreach (var required in RequiredParameters(context.Request))
        {
            if (string.IsNullOrEmpty(p[required]))
            {
                return v3 ? V3Results.Missing(required, required.StartsWith("page", StringComparison.Ordinal) ? "int" : "String")
                    : NacosResults.Text($"Required request parameter '{required}' is not present", StatusCodes.Status400BadRequest);
            }
        }

        return await operation(new Call(p, directory, v3, context.RequestAborted));
    }

    /// <summary>The <c>@RequestParam</c>s without a default of each method.</summary>
    private static string[] RequiredParameters(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) ? ["pageNo", "pageSize"]
        : request.Path.Value!.Contains("/role", StringComparison.Ordinal)
            ? HttpMethods.IsPost(request.Method) ? ["role", "username"] : ["role"]
            : ["role", "resource", "action"];

    private static object Page<T>(IReadOnlyList<T> all, NacosParams p)
    {
        var pageNo = Math.Max(1, int.TryParse(p["pageNo"], out var n) ? n : 1);
        var pageSize = Math.Max(1, int.TryParse(p["pageSize"], out var s) ? s : 1);
        return new
        {
            totalCount = all.Count,
            pageNumber = pageNo,
            pagesAvailable = (all.Count + pageSize - 1) / pageSize,
            pageItems = all.Skip((int)Math.Min(int.MaxValue, (long)(pageNo - 1) * pageSize)).Take(pageSize).ToList(),
        };
    }

    private static async Task<IResult> ListUsersAsync(Call call)
    {
        var users = await call.Directory.ListUsersAsync(call.P["username"] ?? "", call.Ct);
        return call.Ok(Page([.. users.Select(u => new { username = u.Username, password = u.Password })], call.P));
    }

    private static async Task<IResult> ListRolesAsync(Call call)
    {
        var roles = await call.Directory.ListRolesAsync(call.P["username"] ?? "", call.P["role"] ?? "", call.Ct);
        return call.Ok(Page([.. roles.Select(r => new { role = r.Role, username = r.Username })], call.P));
    }

    private static async Task<IResult> ListPermissionsAsync(Call call)
    {
        var permissions = await call.Directory.ListPermissionsAsync(call.P["role"] ?? "", call.Ct);
        return call.Ok(Page([.. permissions.Select(x => new { role = x.Role, resource = x.Resource, action = x.Action })], call.P));
    }

    /// <summary>NacosRoleServiceImpl.addRole: the user must exist, ROLE_ADMIN cannot be granted; 3.x also refuses a binding that exists.</summary>
    private static async Task<IResult> AddRoleAsync(Call call)
    {
        var (role, username) = (call.P["role"]!, call.P["username"]!);
        if (!await call.Directory.UserExistsAsync(username, call.Ct))
        {
            return call.Refused($"user '{username}' not found!");
        }

        if (role == PermissionMatcher.GlobalAdminRole)
        {
            return call.Refused($"role '{PermissionMatcher.GlobalAdminRole}' is not permitted to create!");
        }

        var added = await call.Directory.ExecuteAsync("INSERT IGNORE INTO roles (role, username) VALUES (@role, @username)", new { role, username }, call.Ct);
        return added == 0 && call.V3 ? call.Refused($"user '{username}' already bound to the role '{role}'!") : call.Ok("add role ok!");
    }

    private static async Task<IResult> DeleteRoleAsync(Call call)
    {
        var (role, username) = (call.P["role"]!, call.P["username"] ?? "");
        await call.Directory.ExecuteAsync("DELETE FROM roles WHERE role = @role AND (@username = '' OR username = @username)", new { role, username }, call.Ct);
        return call.Ok($"delete role of user {username} ok!");
    }

    /// <summary>addPermission: the role must be one somebody holds (the role set), else "role R not found!".</summary>
    private static async Task<IResult> AddPermissionAsync(Call call)
    {
        var (role, resource, action) = (call.P["role"]!, call.P["resource"]!, call.P["action"]!);
        if ((await call.Directory.ListRolesAsync("", role, call.Ct)).Count == 0)
        {
            return call.Refused($"role {role} not found!");
        }

        await call.Directory.ExecuteAsync("INSERT IGNORE INTO permissions (role, resource, action) VALUES (@role, @resource, @action)", new { role, resource, action }, call.Ct);
        return call.Ok("add permission ok!");
    }

    private static async Task<IResult> DeletePermissionAsync(Call call)
    {
        var (role, resource, action) = (call.P["role"]!, call.P["resource"]!, call.P["action"]!);
        await call.Directory.ExecuteAsync("DELETE FROM permissions WHERE role = @role AND resource = @resource AND action = @action", new { role, resource, action }, call.Ct);
        return call.Ok("delete permission ok!");
    }
}
