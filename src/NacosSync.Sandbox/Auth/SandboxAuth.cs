using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace NacosSync.Sandbox.Auth;

/// <summary>Why a request was refused; the text is Nacos's 403 message.</summary>
internal enum AuthFailure
{
    None,
    UserNotFound,
    TokenInvalid,
    TokenExpired,
}

/// <summary>
/// Login, token and permission checks shared by the nodes of a cluster (real nodes share the JWT secret, so a
/// token from one node works on all). With a Nacos database the users, roles and permissions are its tables
/// (<see cref="AuthDirectory"/>). Without one, before 3.1 one global-admin user comes from the options; from 3.1
/// (<see cref="NacosProfileTraits.ShippedAuth"/>) there is no user until <c>POST /nacos/v3/auth/user/admin</c> creates one.
/// </summary>
internal sealed class SandboxAuth
{
    /// <summary>AuthConstants.DEFAULT_USER: the name <c>createAdminUser</c> gives the admin.</summary>
    public const string DefaultAdminName = "nacos";

    /// <summary>AbstractAuthenticationManager.USER_NOT_FOUND_MESSAGE (3.x: no or wrong credentials).</summary>
    public const string V3UserNotFound = "User not found! Please check user exist or password is right!";

    private readonly SandboxClusterOptions _options;
    private readonly NacosProfileTraits _traits;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, (string User, DateTimeOffset Expiry)> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _users = new(StringComparer.Ordinal);
    private DateTimeOffset _nextReloadAt;

    public SandboxAuth(SandboxClusterOptions options, NacosProfileTraits traits, TimeProvider clock, AuthDirectory? directory = null)
    {
        _options = options;
        _traits = traits;
        _clock = clock;
        Directory = directory;
    }

    /// <summary>
    /// The users, roles and permissions of the cluster's Nacos database; null without one (then one global admin from the
    /// options before 3.1, or the admin created through the API from 3.1, and every authenticated caller is admin).
    /// </summary>
    public AuthDirectory? Directory { get; }

    /// <summary>3.x resource rules (public namespace <c>public</c>, PermissionMatcher); 2.x: <c>""</c>.</summary>
    public bool V3Resources => _traits.PublicConfigTenant == "public";

    /// <summary>Client APIs need credentials: the options' switch, else the profile's default (3.3: on).</summary>
    public bool ClientEnabled => _options.AuthEnabled ?? _traits.ClientAuthByDefault;

    /// <summary>Admin and console APIs need credentials: 3.1+ on unless switched off; before, the one switch.</summary>
    public bool AdminEnabled => _traits.ShippedAuth ? _options.AdminAuthEnabled ?? true : ClientEnabled;

    /// <summary>Any scope checks credentials (a login then issues real tokens).</summary>
    public bool Enabled => ClientEnabled || AdminEnabled;

    /// <summary>3.1+: users come from the API (none at start), and 403 messages take the 3.x form.</summary>
    public bool Shipped => _traits.ShippedAuth;

    public int TokenTtlSeconds => (int)_options.TokenTtl.TotalSeconds;

    /// <summary>
    /// At cluster start, with a database: before 3.1 the options' admin is written to <c>users</c> (bcrypt) with ROLE_ADMIN
    /// unless the table has that user (as if it had been set up with <c>POST /nacos/v1/auth/users/admin</c>); then the
    /// tables are loaded.
    /// </summary>
    public async Task StartAsync(CancellationToken ct)
    {
        if (Directory is not { } directory)
        {
            return;
        }

        if (!Shipped && Enabled)
        {
            await directory.AddAdminAsync(_options.AdminUsername, Hash(_options.AdminPassword), ct);
        }

        await directory.ReloadAsync(ct);
        _nextReloadAt = _clock.GetUtcNow() + _options.AuthCacheReloadInterval;
    }

    /// <summary>Reloads the cached tables when <see cref="SandboxClusterOptions.AuthCacheReloadInterval"/> has passed (sandbox clock).</summary>
    public async Task ReloadIfDueAsync(CancellationToken ct)
    {
        if (Directory is not { } directory || _clock.GetUtcNow() < _nextReloadAt)
        {
            return;
        }

        _nextReloadAt = _clock.GetUtcNow() + _options.AuthCacheReloadInterval;
        await directory.ReloadAsync(ct);
    }

    /// <summary>A bcrypt hash as Nacos's BCryptPasswordEncoder writes it (<c>$2a$10$...</c>).</summary>
    public static string Hash(string password) => BCrypt.Net.BCrypt.HashPassword(password, BCrypt.Net.BCrypt.GenerateSalt(10, 'a'));

    /// <summary>PasswordEncoderUtil.matches: a stored value that is no bcrypt hash matches nothing.</summary>
    private static bool Verify(string password, string hash)
    {
        try
        {
            return BCrypt.Net.BCrypt.Verify(password, hash);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// Checks a login. With a database: the cached user's bcrypt hash (PasswordEncoderUtil.matches; the <c>enabled</c>
    /// column is not consulted: NacosUserDetails.isEnabled is always true).
    /// </summary>
    public bool CheckPassword(string? username, string? password)
    {
        if (Directory is { } directory)
        {
            return !string.IsNullOrWhiteSpace(username) && !string.IsNullOrWhiteSpace(password)
                && directory.CachedUser(username) is { } user && Verify(password, user.Password);
        }

        if (Shipped)
        {
            return username is not null && _users.TryGetValue(username, out var stored) && string.Equals(password, stored, StringComparison.Ordinal);
        }

        return string.Equals(username, _options.AdminUsername, StringComparison.Ordinal)
            && string.Equals(password, _options.AdminPassword, StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>UserControllerV3.createAdminUser</c>: user <c>nacos</c> with that password; false when an admin exists (with a
    /// database: any ROLE_ADMIN binding, <c>hasGlobalAdminRole()</c>; the user and its binding are written there).
    /// </summary>
    public async Task<bool> TryCreateAdminAsync(string password, CancellationToken ct)
    {
        if (!Shipped)
        {
            return false;
        }

        if (Directory is not { } directory)
        {
            return _users.IsEmpty && _users.TryAdd(DefaultAdminName, password);
        }

        if (await directory.HasGlobalAdminAsync(ct))
        {
            return false;
        }

        await directory.AddAdminAsync(DefaultAdminName, Hash(password), ct);
        return true;
    }

    /// <summary>A token for <paramref name="username"/> (the JWT names its user: JwtTokenManager.parseToken).</summary>
    public string IssueToken(string username)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _tokens[token] = (username, _clock.GetUtcNow() + _options.TokenTtl);
        return token;
    }

    /// <summary>
    /// AbstractAuthenticationManager.authorize: a global admin (ROLE_ADMIN) may do anything; other users need a permission
    /// of one of their roles that grants the action on the resource (<see cref="PermissionMatcher"/>); a console resource
    /// (<paramref name="resource"/> null) only admins. Without a database every authenticated caller is admin.
    /// </summary>
    public async Task<bool> AuthorizeAsync(string username, AuthResource? resource, string action, CancellationToken ct)
    {
        if (Directory is not { } directory)
        {
            return true;
        }

        var roles = await directory.RolesAsync(username, ct);
        if (roles.Contains(PermissionMatcher.GlobalAdminRole, StringComparer.Ordinal))
        {
            return true;
        }

        if (resource is null)
        {
            return false;
        }

        var joined = PermissionMatcher.Join(resource, V3Resources);
        foreach (var role in roles)
        {
            foreach (var permission in await directory.PermissionsAsync(role, ct))
            {
                if (PermissionMatcher.Grants(permission, joined, action, V3Resources))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Whether the user holds ROLE_ADMIN (the login's <c>globalAdmin</c>); always without a database.</summary>
    public async Task<bool> IsGlobalAdminAsync(string? username, CancellationToken ct) =>
        Directory is not { } directory
        || (username is not null && (await directory.RolesAsync(username, ct)).Contains(PermissionMatcher.GlobalAdminRole, StringComparer.Ordinal));

    /// <summary>The 403 text of a refused permission: AccessException("authorization failed!"); 3.x AuthResult.format() of a 403.</summary>
    public string AuthorizationMessage => V3Resources ? "Code: 403, Message: authorization failed!." : "authorization failed!";

    /// <summary>True when the request carries the server identity header.</summary>
    public bool HasIdentity(HttpRequest request) =>
        _options.IdentityKey is { } key
        && request.Headers.TryGetValue(key, out var value)
        && string.Equals(value.ToString(), _options.IdentityValue, StringComparison.Ordinal);

    /// <summary>
    /// Checks a request: identity header (then <paramref name="user"/> is null: a server passes every check), then token
    /// (param, header, Bearer), then username/password params.
    /// </summary>
    public AuthFailure Check(HttpRequest request, Hosting.NacosParams parameters, out string? user)
    {
        user = null;
        if (HasIdentity(request))
        {
            return AuthFailure.None;
        }

        var token = parameters["accessToken"];
        if (string.IsNullOrEmpty(token) && request.Headers.TryGetValue("accessToken", out var header))
        {
            token = header.ToString();
        }

        if (string.IsNullOrEmpty(token) && request.Headers.Authorization.ToString() is { } bearer
            && bearer.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            token = bearer["Bearer ".Length..].Trim();
        }

        if (!string.IsNullOrEmpty(token))
        {
            var failure = CheckToken(token, out var owner);
            user = failure == AuthFailure.None ? owner : null;
            return failure;
        }

        if (!CheckPassword(parameters["username"], parameters["password"]))
        {
            return AuthFailure.UserNotFound;
        }

        user = parameters["username"];
        return AuthFailure.None;
    }

    private AuthFailure CheckToken(string token, out string? user)
    {
        user = null;
        if (!_tokens.TryGetValue(token, out var entry))
        {
            return AuthFailure.TokenInvalid;
        }

        user = entry.User;
        return entry.Expiry > _clock.GetUtcNow() ? AuthFailure.None : AuthFailure.TokenExpired;
    }

    /// <summary>
    /// Checks credentials that do not come with an HTTP request (gRPC <c>metadata.headers</c>, reference
    /// §9): a token when given, else username and password, as NacosAuthPluginService.validateIdentity.
    /// </summary>
    public AuthFailure CheckCredentials(string? token, string? username, string? password) => CheckCredentials(token, username, password, out _);

    /// <summary>As above, and the user the credentials name (null when auth is off or they fail).</summary>
    public AuthFailure CheckCredentials(string? token, string? username, string? password, out string? user)
    {
        user = null;
        // gRPC requests are client APIs: governed by nacos.core.auth.enabled (on by default from 3.3), not by admin auth.
        if (!ClientEnabled)
        {
            return AuthFailure.None;
        }

        if (!string.IsNullOrEmpty(token))
        {
            return CheckToken(token, out user);
        }

        if (!CheckPassword(username, password))
        {
            return AuthFailure.UserNotFound;
        }

        user = username;
        return AuthFailure.None;
    }

    /// <summary>The authentication manager's own text of a failure (the gRPC auth filter formats it per version).</summary>
    public static string ShortMessage(AuthFailure failure) => failure switch
    {
        AuthFailure.TokenInvalid => "token invalid!",
        AuthFailure.TokenExpired => "token expired!",
        _ => "user not found!",
    };

    /// <summary>
    /// The 403 message. Before 3.1 the authentication manager's text; 3.1+ <c>AuthResult.format()</c> of the
    /// 401 result <c>NacosAuthPluginService.validateIdentity</c> returns ("Code: 401, Message: ....").
    /// </summary>
    public string Message(AuthFailure failure)
    {
        var text = failure switch
        {
            AuthFailure.TokenInvalid => "token invalid!",
            AuthFailure.TokenExpired => "token expired!",
            _ => Shipped ? V3UserNotFound : "user not found!",
        };
        return Shipped ? $"Code: 401, Message: {text}." : text;
    }
}
