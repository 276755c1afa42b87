using System.Text.Json;
using NacosSync.Core.Auth;
using NacosSync.Nacos.Transport;

namespace NacosSync.Nacos.Auth;

/// <summary>
/// The user, role and permission API of a cluster's default auth plugin, for the auth kind's API mode: up to 2.5
/// <c>/v1/auth/users</c>, <c>/v1/auth/roles</c>, <c>/v1/auth/permissions</c> (2.4.3 UserController, RoleController,
/// PermissionController; lists with <c>search=accurate</c>, a bare <c>Page</c>); 3.x <c>/v3/auth/user/list</c>,
/// <c>/v3/auth/role</c>(<c>/list</c>), <c>/v3/auth/permission</c>(<c>/list</c>) (3.0.3 UserControllerV3,
/// RoleControllerV3, PermissionControllerV3; <c>Result&lt;Page&gt;</c>). Every call needs a global admin's login.
/// There is no call that creates a user with a given hash (<c>POST .../user</c> takes a password and hashes it), so
/// users can be read through the API but not copied.
/// </summary>
internal sealed class NacosAuthClient(NacosTransport transport)
{
    /// <summary>Asked as one big page, paged on when the cluster has more.</summary>
    private const int PageSize = 1000;

    public string Name => transport.Name;

    /// <summary>Users (name and bcrypt hash: the list carries no enabled flag, taken as true), role bindings, permissions.</summary>
    public async Task<AuthSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var v3 = await V3Async(cancellationToken);
        var users = await ListAsync(v3 ? "/v3/auth/user/list" : "/v1/auth/users", v3,
            e => new AuthUser(S(e, "username"), S(e, "password"), Enabled: true), cancellationToken);
        var roles = await ListAsync(v3 ? "/v3/auth/role/list" : "/v1/auth/roles", v3, e => new AuthRoleBinding(S(e, "role"), S(e, "username")), cancellationToken);
        var permissions = await ListAsync(v3 ? "/v3/auth/permission/list" : "/v1/auth/permissions", v3,
            e => new AuthGrant(S(e, "role"), S(e, "resource"), S(e, "action")), cancellationToken);
        return new AuthSnapshot(users, roles, permissions);
    }

    /// <summary><c>POST roles</c> role, username: the user must exist in the cluster; ROLE_ADMIN is refused by Nacos.</summary>
    public Task AddRoleAsync(AuthRoleBinding role, CancellationToken cancellationToken) =>
        WriteAsync(HttpMethod.Post, "role", [P("role", role.Role), P("username", role.Username)], cancellationToken);

    public Task RemoveRoleAsync(AuthRoleBinding role, CancellationToken cancellationToken) =>
        WriteAsync(HttpMethod.Delete, "role", [P("role", role.Role), P("username", role.Username)], cancellationToken);

    /// <summary><c>POST permissions</c> role, resource, action: the role must be held by a user of the cluster ("role R not found!").</summary>
    public Task AddPermissionAsync(AuthGrant permission, CancellationToken cancellationToken) =>
        WriteAsync(HttpMethod.Post, "permission", [P("role", permission.Role), P("resource", permission.Resource), P("action", permission.Action)], cancellationToken);

    public Task RemovePermissionAsync(AuthGrant permission, CancellationToken cancellationToken) =>
        WriteAsync(HttpMethod.Delete, "permission", [P("role", permission.Role), P("resource", permission.Resource), P("action", permission.Action)], cancellationToken);

    private async Task<bool> V3Async(CancellationToken cancellationToken) => (await transport.GetServerVersionAsync(cancellationToken)).Major >= 3;

    private async Task WriteAsync(HttpMethod method, string what, KeyValuePair<string, string>[] parameters, CancellationToken cancellationToken)
    {
        var v3 = await V3Async(cancellationToken);
        var path = v3 ? $"/v3/auth/{what}" : $"/v1/auth/{what}s";
        var request = method == HttpMethod.Post ? NacosRequest.Post(path, idempotent: false, parameters) : NacosRequest.Delete(path, idempotent: true, parameters);
        var response = await transport.SendAsync(request, cancellationToken);
        using var result = NacosAnswers.ParseResult(response, $"{transport.Name}: {path}");
        if (v3)
        {
            result.EnsureSuccess($"{transport.Name}: {method} {path}");
        }
        else if (result.Code != 200)
        {
            throw new NacosRejectedException($"{transport.Name}: {method} {path} answered code {result.Code}: {result.Message}", 200, result.Message);
        }
    }

    private async Task<List<T>> ListAsync<T>(string path, bool v3, Func<JsonElement, T> read, CancellationToken cancellationToken)
    {
        var all = new List<T>();
        for (var pageNo = 1; ; pageNo++)
        {
            var response = await transport.SendAsync(NacosRequest.Get(path, P("search", "accurate"), P("pageNo", pageNo.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                P("pageSize", PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture))), cancellationToken);
            using var document = NacosAnswers.ParseJson(response.Body, $"{transport.Name}: {path}");
            var page = v3 ? NacosAnswers.Data(document.RootElement) : document.RootElement;
            if (page.ValueKind != JsonValueKind.Object || !page.TryGetProperty("pageItems", out var items) || items.ValueKind != JsonValueKind.Array)
            {
                throw new NacosMalformedResponseException($"{transport.Name}: {path}: not a Page {{totalCount, pageItems}}: {NacosAnswers.Truncate(response.Body)}");
            }

            all.AddRange(items.EnumerateArray().Select(read));
            var total = page.TryGetProperty("totalCount", out var t) && t.TryGetInt32(out var n) ? n : all.Count;
            if (items.GetArrayLength() == 0 || all.Count >= total)
            {
                return all;
            }
        }
    }

    private static string S(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : "";

    private static KeyValuePair<string, string> P(string name, string value) => new(name, value);
}
