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
/// Login and token checks shared by the nodes of a cluster (real nodes share the JWT secret, so a
/// token from one node works on all). Before 3.1 one global-admin user comes from the options; from 3.1
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
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _users = new(StringComparer.Ordinal);

    public SandboxAuth(SandboxClusterOptions options, NacosProfileTraits traits, TimeProvider clock)
    {
        _options = options;
        _traits = traits;
        _clock = clock;
    }

    /// <summary>Client APIs need credentials: the options' switch, else the profile's default (3.3: on).</summary>
    public bool ClientEnabled => _options.AuthEnabled ?? _traits.ClientAuthByDefault;

    /// <summary>Admin and console APIs need credentials: 3.1+ on unless switched off; before, the one switch.</summary>
    public bool AdminEnabled => _traits.ShippedAuth ? _options.AdminAuthEnabled ?? true : ClientEnabled;

    /// <summary>Any scope checks credentials (a login then issues real tokens).</summary>
    public bool Enabled => ClientEnabled || AdminEnabled;

    /// <summary>3.1+: users come from the API (none at start), and 403 messages take the 3.x form.</summary>
    public bool Shipped => _traits.ShippedAuth;

    public int TokenTtlSeconds => (int)_options.TokenTtl.TotalSeconds;

    /// <summary>True once 3.1+ has an admin (or always before 3.1, where the options name one).</summary>
    public bool HasAdmin => !Shipped || !_users.IsEmpty;

    public bool CheckPassword(string? username, string? password)
    {
        if (Shipped)
        {
            return username is not null && _users.TryGetValue(username, out var stored) && string.Equals(password, stored, StringComparison.Ordinal);
        }

        return string.Equals(username, _options.AdminUsername, StringComparison.Ordinal)
            && string.Equals(password, _options.AdminPassword, StringComparison.Ordinal);
    }

    /// <summary><c>UserControllerV3.createAdminUser</c>: user <c>nacos</c> with that password; false when an admin exists.</summary>
    public bool TryCreateAdmin(string password) => Shipped && _users.IsEmpty && _users.TryAdd(DefaultAdminName, password);

    public string IssueToken()
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _tokens[token] = _clock.GetUtcNow() + _options.TokenTtl;
        return token;
    }

    /// <summary>True when the request carries the server identity header.</summary>
    public bool HasIdentity(HttpRequest request) =>
        _options.IdentityKey is { } key
        && request.Headers.TryGetValue(key, out var value)
        && string.Equals(value.ToString(), _options.IdentityValue, StringComparison.Ordinal);

    /// <summary>Checks a request: identity header, then token (param, header, Bearer), then username/password params.</summary>
    public AuthFailure Check(HttpRequest request, Hosting.NacosParams parameters)
    {
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
            if (!_tokens.TryGetValue(token, out var expiry))
            {
                return AuthFailure.TokenInvalid;
            }

            return expiry > _clock.GetUtcNow() ? AuthFailure.None : AuthFailure.TokenExpired;
        }

        return CheckPassword(parameters["username"], parameters["password"]) ? AuthFailure.None : AuthFailure.UserNotFound;
    }

    /// <summary>
    /// Checks credentials that do not come with an HTTP request (gRPC <c>metadata.headers</c>, reference
    /// §9): a token when given, else username and password, as NacosAuthPluginService.validateIdentity.
    /// </summary>
    public AuthFailure CheckCredentials(string? token, string? username, string? password)
    {
        // gRPC requests are client APIs: governed by nacos.core.auth.enabled (on by default from 3.3), not by admin auth.
        if (!ClientEnabled)
        {
            return AuthFailure.None;
        }

        if (!string.IsNullOrEmpty(token))
        {
            if (!_tokens.TryGetValue(token, out var expiry))
            {
                return AuthFailure.TokenInvalid;
            }

            return expiry > _clock.GetUtcNow() ? AuthFailure.None : AuthFailure.TokenExpired;
        }

        return CheckPassword(username, password) ? AuthFailure.None : AuthFailure.UserNotFound;
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
