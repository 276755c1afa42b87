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
/// token from one node works on all). One global-admin user from the options.
/// </summary>
internal sealed class SandboxAuth
{
    private readonly SandboxClusterOptions _options;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);

    public SandboxAuth(SandboxClusterOptions options, TimeProvider clock)
    {
        _options = options;
        _clock = clock;
    }

    public bool Enabled => _options.AuthEnabled;

    public int TokenTtlSeconds => (int)_options.TokenTtl.TotalSeconds;

    public bool CheckPassword(string? username, string? password) =>
        string.Equals(username, _options.AdminUsername, StringComparison.Ordinal)
        && string.Equals(password, _options.AdminPassword, StringComparison.Ordinal);

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
        if (!Enabled || HasIdentity(request))
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
        if (!Enabled)
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

    public static string Message(AuthFailure failure) => failure switch
    {
        AuthFailure.TokenInvalid => "token invalid!",
        AuthFailure.TokenExpired => "token expired!",
        _ => "user not found!",
    };
}
