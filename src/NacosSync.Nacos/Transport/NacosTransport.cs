using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace NacosSync.Nacos.Transport;

/// <summary>
/// HTTP access to one Nacos cluster: several nodes with failover (a failed node is left for the
/// next one and the healthy one remembered), login and token refresh, the server identity header,
/// and two resilience pipelines built once, <c>nacos-read</c> and <c>nacos-write</c>
/// (total timeout → retry with jitter → circuit breaker → attempt timeout; writes are retried
/// only when the request says it is idempotent). Thread-safe; one per cluster.
/// </summary>
internal sealed partial class NacosTransport : IDisposable
{
    public const string ReadPipelineName = "nacos-read";
    public const string WritePipelineName = "nacos-write";

    private static readonly ResiliencePropertyKey<NacosRequest> RequestKey = new("nacos.request");

    private readonly NacosTransportOptions _options;
    private readonly HttpClient _httpClient;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _readPipeline;
    private readonly ResiliencePipeline _writePipeline;
    private readonly SemaphoreSlim _loginLock = new(1, 1);
    private readonly string _contextPath;
    private int _preferred;
    private volatile string? _token;
    private DateTimeOffset _tokenRefreshAt;
    private readonly NacosServerVersionCache _version = new();

    public NacosTransport(NacosTransportOptions options, HttpClient httpClient, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Servers.Count == 0)
        {
            throw new ArgumentException($"cluster '{options.Name}' has no server address", nameof(options));
        }

        _options = options;
        _httpClient = httpClient;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _contextPath = "/" + options.ContextPath.Trim('/');
        if (_contextPath == "/")
        {
            _contextPath = "";
        }

        _readPipeline = BuildPipeline(ReadPipelineName, retryWrites: false);
        _writePipeline = BuildPipeline(WritePipelineName, retryWrites: true);
    }

    public string Name => _options.Name;

    public IReadOnlyList<Uri> Servers => _options.Servers;

    /// <summary>The node requests go to first: the last one that answered.</summary>
    public Uri PreferredServer => _options.Servers[Volatile.Read(ref _preferred) % _options.Servers.Count];

    /// <summary>Sends to the cluster: the preferred node first, then the others, with the pipeline of the request's purpose.</summary>
    public Task<NacosResponse> SendAsync(NacosRequest request, CancellationToken cancellationToken) =>
        ExecuteAsync(request, node: null, cancellationToken);

    /// <summary>Sends to <paramref name="node"/> only (per-node refresh and verification); retried on that node only.</summary>
    public Task<NacosResponse> SendToNodeAsync(Uri node, NacosRequest request, CancellationToken cancellationToken) =>
        ExecuteAsync(request, node, cancellationToken);

    /// <summary>
    /// The server's version (<see cref="NacosServerVersionCache"/>): read from the server state, trusted
    /// for <see cref="NacosServerVersionCache.Ttl"/> and read again after the cluster was unreachable.
    /// </summary>
    /// <exception cref="NacosVersionUnknownException">The version cannot be read; nothing is assumed.</exception>
    public Task<NacosServerVersion> GetServerVersionAsync(CancellationToken cancellationToken) =>
        _version.GetAsync(this, _timeProvider, _logger, cancellationToken);

    /// <summary>Forgets the remembered version (after a rolling upgrade, say).</summary>
    public void ForgetServerVersion() => _version.Forget();

    public void Dispose()
    {
        _loginLock.Dispose();
        _version.Dispose();
    }

    internal static JsonDocument ParseJson(string body, string what)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw new NacosMalformedResponseException($"{what}: the answer is not JSON: {Truncate(body)}", ex);
        }
    }

    internal static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";

    private ResiliencePipeline BuildPipeline(string name, bool retryWrites)
    {
        var attempt = _options.RequestTimeout * Math.Min(_options.Servers.Count, 3) + TimeSpan.FromSeconds(1);
        var total = attempt * (_options.MaxRetries + 1) + TimeSpan.FromSeconds(5);
        var builder = new ResiliencePipelineBuilder { Name = name, InstanceName = _options.Name };
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            Name = name + "-total",
            TimeoutGenerator = args => ValueTask.FromResult(
                args.Context.Properties.TryGetValue(RequestKey, out var r) && r.Timeout is { } t ? t * (_options.MaxRetries + 1) + TimeSpan.FromSeconds(5) : total),
        });
        if (_options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                Name = name + "-retry",
                MaxRetryAttempts = _options.MaxRetries,
                Delay = _options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome.Exception)
                    && args.Context.Properties.TryGetValue(RequestKey, out var r) && (r.IsRead || (retryWrites && r.Idempotent))),
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            Name = name + "-breaker",
            FailureRatio = 0.8,
            MinimumThroughput = 20,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = _options.BreakDuration,
            ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome.Exception)),
        });
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            Name = name + "-attempt",
            TimeoutGenerator = args => ValueTask.FromResult(
                args.Context.Properties.TryGetValue(RequestKey, out var r) && r.Timeout is { } t ? t + TimeSpan.FromSeconds(1) : attempt),
        });
        return builder.Build();
    }

    private static bool IsTransient(Exception? exception) => exception switch
    {
        NacosUnreachableException => true,
        NacosRejectedException rejected => rejected.IsServerError,
        TimeoutRejectedException => true,
        _ => false,
    };

    private async Task<NacosResponse> ExecuteAsync(NacosRequest request, Uri? node, CancellationToken cancellationToken)
    {
        var pipeline = request.IsRead ? _readPipeline : _writePipeline;
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(RequestKey, request);
        try
        {
            return await pipeline.ExecuteAsync(
                static async (ctx, state) => await state.Self.SendRoundAsync(state.Request, state.Node, ctx.CancellationToken),
                context,
                (Self: this, Request: request, Node: node));
        }
        catch (TimeoutRejectedException ex) when (!cancellationToken.IsCancellationRequested)
        {
            _version.Forget();
            throw new NacosUnreachableException($"{_options.Name}: {request} timed out after {ex.Timeout.TotalSeconds:0.#} s", ex);
        }
        catch (BrokenCircuitException ex)
        {
            _version.Forget();
            throw new NacosUnreachableException($"{_options.Name}: {request} not sent: too many recent failures (circuit open)", ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>One attempt: the preferred node, then (for requests safe to resend) each other node once.</summary>
    private async Task<NacosResponse> SendRoundAsync(NacosRequest request, Uri? node, CancellationToken cancellationToken)
    {
        if (node is not null)
        {
            return await SendToOneAsync(node, request, cancellationToken);
        }

        var servers = _options.Servers;
        var start = Volatile.Read(ref _preferred);
        NacosException? last = null;
        for (var i = 0; i < servers.Count; i++)
        {
            var index = (start + i) % servers.Count;
            try
            {
                var response = await SendToOneAsync(servers[index], request, cancellationToken);
                if (i > 0)
                {
                    Interlocked.CompareExchange(ref _preferred, index, start);
                    LogFailover(_logger, _options.Name, servers[start % servers.Count], servers[index]);
                }

                return response;
            }
            catch (NacosException ex) when (IsTransient(ex) && CanTryNextNode(request, ex))
            {
                last = ex;
                LogNodeFailed(_logger, _options.Name, servers[index], request.ToString(), ex.Message);
            }
        }

        // No node answered: the cluster may come back on another version. Start the next round (a retry) on the node after the one tried first.
        _version.Forget();
        Interlocked.CompareExchange(ref _preferred, (start + 1) % servers.Count, start);
        throw last!;
    }

    private static bool CanTryNextNode(NacosRequest request, NacosException ex) =>
        request.IsRead || request.Idempotent
        || (ex is NacosUnreachableException { InnerException: HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } });

    private async Task<NacosResponse> SendToOneAsync(Uri node, NacosRequest request, CancellationToken cancellationToken)
    {
        var token = await GetTokenAsync(node, cancellationToken);
        try
        {
            return await SendHttpAsync(node, request, token, cancellationToken);
        }
        catch (NacosUnauthorizedException) when (token is not null)
        {
            // The token may have been invalidated early (server restart, secret rotation): log in once more.
            _token = null;
            token = await GetTokenAsync(node, cancellationToken);
            return await SendHttpAsync(node, request, token, cancellationToken);
        }
    }

    private async ValueTask<string?> GetTokenAsync(Uri node, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(_options.Username))
        {
            return null;
        }

        var token = _token;
        if (token is not null && _timeProvider.GetUtcNow() < _tokenRefreshAt)
        {
            return token;
        }

        await _loginLock.WaitAsync(cancellationToken);
        try
        {
            if (_token is { } fresh && _timeProvider.GetUtcNow() < _tokenRefreshAt)
            {
                return fresh;
            }

            var login = NacosRequest.Post("/v1/auth/login", idempotent: true,
                new("username", _options.Username), new("password", _options.Password ?? ""));
            NacosResponse response;
            try
            {
                response = await SendHttpAsync(node, login, token: null, cancellationToken);
            }
            catch (NacosRejectedException ex) when (ex.StatusCode is >= 400 and < 500)
            {
                throw new NacosUnauthorizedException($"{_options.Name}: login as '{_options.Username}' refused: {ex.ServerMessage}", ex.StatusCode, ex);
            }

            using var document = ParseJson(response.Body, "login");
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("accessToken", out var accessToken) || accessToken.ValueKind != JsonValueKind.String)
            {
                throw new NacosMalformedResponseException($"{_options.Name}: login answer has no accessToken: {Truncate(response.Body)}");
            }

            var ttl = root.TryGetProperty("tokenTtl", out var t) && t.TryGetInt64(out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromHours(5);

            // Refresh with a tenth of the lifetime left (as the Nacos clients do), so no request carries an expiring token.
            _tokenRefreshAt = _timeProvider.GetUtcNow() + ttl - ttl / 10;
            _token = accessToken.GetString();
            LogLoggedIn(_logger, _options.Name, _options.Username, ttl.TotalSeconds);
            return _token;
        }
        finally
        {
            _loginLock.Release();
        }
    }

    private async Task<NacosResponse> SendHttpAsync(Uri node, NacosRequest request, string? token, CancellationToken cancellationToken)
    {
        using var message = BuildMessage(node, request, token);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(request.Timeout ?? _options.RequestTimeout);
        HttpResponseMessage response;
        string body;
        try
        {
            response = await _httpClient.SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token);
            body = await response.Content.ReadAsStringAsync(timeout.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new NacosUnreachableException($"{_options.Name}: {request} to {node} timed out after {(request.Timeout ?? _options.RequestTimeout).TotalSeconds:0.#} s", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new NacosUnreachableException($"{_options.Name}: {request} to {node} failed: {ex.Message}", ex);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var header in response.Headers.Concat(response.Content.Headers))
                {
                    headers[header.Key] = string.Join(",", header.Value);
                }

                return new NacosResponse(response.StatusCode, body, node, headers);
            }

            var serverMessage = ServerMessage(body);
            if (status is 401 or 403)
            {
                throw new NacosUnauthorizedException($"{_options.Name}: {request} to {node} answered {status}: {serverMessage}", status);
            }

            throw new NacosRejectedException($"{_options.Name}: {request} to {node} answered {status}: {serverMessage}", status, serverMessage);
        }
    }

    private HttpRequestMessage BuildMessage(Uri node, NacosRequest request, string? token)
    {
        var inQuery = request.Method == HttpMethod.Get || request.Method == HttpMethod.Delete;
        var url = new StringBuilder(128).Append(node.GetLeftPart(UriPartial.Authority)).Append(_contextPath).Append(request.Path);
        var separator = '?';
        if (inQuery)
        {
            foreach (var (key, value) in request.Parameters)
            {
                url.Append(separator).Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value));
                separator = '&';
            }
        }

        if (token is not null)
        {
            url.Append(separator).Append("accessToken=").Append(Uri.EscapeDataString(token));
        }

        var message = new HttpRequestMessage(request.Method, url.ToString());
        if (!inQuery)
        {
            message.Content = new FormUrlEncodedContent(request.Parameters);
        }

        if (!string.IsNullOrEmpty(_options.IdentityKey) && !string.IsNullOrEmpty(_options.IdentityValue))
        {
            message.Headers.TryAddWithoutValidation(_options.IdentityKey, _options.IdentityValue);
        }

        foreach (var (key, value) in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(key, value);
        }

        return message;
    }

    /// <summary>The message of an error answer: JSON <c>message</c>/<c>errMsg</c>, else the text.</summary>
    internal static string ServerMessage(string body)
    {
        var text = body.Trim();
        if (text.StartsWith('{'))
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                foreach (var name in (ReadOnlySpan<string>)["message", "errMsg", "error"])
                {
                    if (document.RootElement.TryGetProperty(name, out var m) && m.ValueKind == JsonValueKind.String && !string.IsNullOrEmpty(m.GetString()))
                    {
                        return m.GetString()!;
                    }
                }
            }
            catch (JsonException)
            {
                // Not JSON after all: use the text.
            }
        }

        return Truncate(text);
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Nacos cluster {Cluster}: node {Node} failed {Request}: {Error}")]
    private static partial void LogNodeFailed(ILogger logger, string cluster, Uri node, string request, string error);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Nacos cluster {Cluster}: failed over from {From} to {To}")]
    private static partial void LogFailover(ILogger logger, string cluster, Uri from, Uri to);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "Nacos cluster {Cluster}: logged in as {User}, token valid {TtlSeconds} s")]
    private static partial void LogLoggedIn(ILogger logger, string cluster, string user, double ttlSeconds);
}
