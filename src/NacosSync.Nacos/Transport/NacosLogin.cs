using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace NacosSync.Nacos.Transport;

/// <summary>
/// The cluster's access token: logged in on first need through the version's login path
/// (<see cref="NacosServerVersion.LoginPath"/>), refreshed with a tenth of its lifetime left, one login
/// at a time. No credentials configured: no token, and every request goes without one.
/// </summary>
internal sealed partial class NacosLogin(NacosTransportOptions options, NacosHttpExchange exchange, TimeProvider timeProvider, ILogger logger,
    Func<CancellationToken, Task<NacosServerVersion>> version) : IDisposable
{
    private readonly SemaphoreSlim _loginLock = new(1, 1);
    private volatile string? _token;
    private DateTimeOffset _refreshAt;

    public bool HasCredentials => !string.IsNullOrEmpty(options.Username);

    /// <summary>The token to send, logging in when there is none or it is due for refresh; null without credentials.</summary>
    /// <exception cref="NacosUnauthorizedException">The cluster refused the credentials; the message names the keys to check.</exception>
    public async ValueTask<string?> TokenAsync(Uri node, CancellationToken cancellationToken)
    {
        if (!HasCredentials)
        {
            return null;
        }

        if (_token is { } token && timeProvider.GetUtcNow() < _refreshAt)
        {
            return token;
        }

        await _loginLock.WaitAsync(cancellationToken);
        try
        {
            if (_token is { } fresh && timeProvider.GetUtcNow() < _refreshAt)
            {
                return fresh;
            }

            return await LoginAsync(node, cancellationToken);
        }
        finally
        {
            _loginLock.Release();
        }
    }

    /// <summary>The token held now, if it is fresh; never logs in (for the state reads that pick the login path).</summary>
    public string? Current => _token is { } token && timeProvider.GetUtcNow() < _refreshAt ? token : null;

    /// <summary>Drops the token: the server refused it (restart, secret rotation), so the next call logs in again.</summary>
    public void Invalidate() => _token = null;

    public void Dispose() => _loginLock.Dispose();

    private async Task<string> LoginAsync(Uri node, CancellationToken cancellationToken)
    {
        var path = (await version(cancellationToken)).LoginPath;
        var login = NacosRequest.Post(path, idempotent: true, new("username", options.Username!), new("password", options.Password ?? "")) with { WithoutLogin = true };
        NacosResponse response;
        try
        {
            response = await exchange.SendAsync(node, login, token: null, cancellationToken);
        }
        catch (NacosRejectedException ex) when (ex.StatusCode is >= 400 and < 500)
        {
            throw Refused(ex.StatusCode, ex.ServerMessage, ex);
        }
        catch (NacosUnauthorizedException ex)
        {
            // 401/403 to the login itself: the credentials, not the token.
            throw Refused(ex.StatusCode, ex.ServerMessage, ex);
        }

        using var document = NacosAnswers.ParseJson(response.Body, $"{options.Name}: login");
        var root = NacosAnswers.Data(document.RootElement);
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("accessToken", out var accessToken) || accessToken.ValueKind != JsonValueKind.String)
        {
            throw new NacosMalformedResponseException($"{options.Name}: login answer has no accessToken: {NacosAnswers.Truncate(response.Body)}");
        }

        var ttl = root.TryGetProperty("tokenTtl", out var t) && t.TryGetInt64(out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromHours(5);

        // Refresh with a tenth of the lifetime left (as the Nacos clients do), so no request carries an expiring token.
        _refreshAt = timeProvider.GetUtcNow() + ttl - ttl / 10;
        var token = accessToken.GetString()!;
        _token = token;
        LogLoggedIn(logger, options.Name, options.Username!, ttl.TotalSeconds);
        return token;
    }

    private NacosUnauthorizedException Refused(int status, string detail, Exception inner) => new(
        $"{options.Name}: login as '{options.Username}' refused: the cluster rejected the credentials ({status}: {detail}); check Clusters:{options.Name}:Username and Password",
        status, inner) { ServerMessage = detail, LoginRefused = true };

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "Nacos cluster {Cluster}: logged in as {User}, token valid {TtlSeconds} s")]
    private static partial void LogLoggedIn(ILogger logger, string cluster, string user, double ttlSeconds);
}
