using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Timeout;

namespace NacosSync.Nacos.Transport;

/// <summary>
/// HTTP access to one Nacos cluster: several nodes with failover (a failed node is left for the
/// next one and the healthy one remembered), login and token refresh (<see cref="NacosLogin"/>), the
/// server identity header, the version (<see cref="NacosServerVersionCache"/>), and the cluster's
/// two resilience pipelines, <c>nacos-read</c> and <c>nacos-write</c> (<see cref="NacosPipelines"/>).
/// One exchange with one node is <see cref="NacosHttpExchange"/>. Thread-safe; one per cluster.
/// </summary>
internal sealed partial class NacosTransport : IDisposable
{
    public const string ReadPipelineName = NacosPipelines.Read;
    public const string WritePipelineName = NacosPipelines.Write;

    private readonly NacosTransportOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _readPipeline;
    private readonly ResiliencePipeline _writePipeline;
    private readonly NacosHttpExchange _exchange;
    private readonly NacosLogin _login;
    private readonly NacosServerVersionCache _version = new();
    private int _preferred;

    /// <param name="pipelines">Polly's registry (the host's); null: this transport builds its own pipelines.</param>
    public NacosTransport(NacosTransportOptions options, HttpClient httpClient, TimeProvider? timeProvider = null, ILogger? logger = null,
        ResiliencePipelineRegistry<NacosPipelineKey>? pipelines = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Servers.Count == 0)
        {
            throw new ArgumentException($"cluster '{options.Name}' has no server address", nameof(options));
        }

        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _exchange = new NacosHttpExchange(options, httpClient);
        _login = new NacosLogin(options, _exchange, _timeProvider, _logger, GetServerVersionAsync);
        _readPipeline = NacosPipelines.Get(pipelines, NacosPipelines.Read, options);
        _writePipeline = NacosPipelines.Get(pipelines, NacosPipelines.Write, options);
    }

    public string Name => _options.Name;

    public IReadOnlyList<Uri> Servers => _options.Servers;

    /// <summary>The node requests go to first: the last one that answered.</summary>
    public Uri PreferredServer => _options.Servers[Volatile.Read(ref _preferred) % _options.Servers.Count];

    /// <summary>Sends to the cluster: the preferred node first, then the others, with the pipeline of the request's purpose.</summary>
    public Task<NacosResponse> SendAsync(NacosRequest request, CancellationToken cancellationToken) =>
        ExecuteAsync(request, node: null, static (exchange, node, request, token, ct) => exchange.SendAsync(node, request, token, ct), cancellationToken);

    /// <summary>Sends to <paramref name="node"/> only (per-node refresh and verification); retried on that node only.</summary>
    public Task<NacosResponse> SendToNodeAsync(Uri node, NacosRequest request, CancellationToken cancellationToken) =>
        ExecuteAsync(request, node, static (exchange, node, request, token, ct) => exchange.SendAsync(node, request, token, ct), cancellationToken);

    /// <summary>
    /// Sends to the cluster like <see cref="SendAsync"/>, and hands the 2xx body to <paramref name="read"/> as
    /// it streams in: a big answer is parsed without being held whole. A retry reads the body anew.
    /// </summary>
    public Task<T> SendStreamingAsync<T>(NacosRequest request, Func<Stream, CancellationToken, ValueTask<T>> read, CancellationToken cancellationToken) =>
        ExecuteAsync(request, node: null, (exchange, node, r, token, ct) => exchange.SendAsync(node, r, token, (_, stream, _, c) => read(stream, c), ct), cancellationToken);

    /// <summary>
    /// The server's version (<see cref="NacosServerVersionCache"/>): read from the server state, trusted
    /// for <see cref="NacosServerVersionCache.Ttl"/> and read again after the cluster was unreachable.
    /// </summary>
    /// <exception cref="NacosVersionUnknownException">The version cannot be read; nothing is assumed.</exception>
    public Task<NacosServerVersion> GetServerVersionAsync(CancellationToken cancellationToken) =>
        _version.GetAsync(this, _timeProvider, _logger, cancellationToken);

    /// <summary>Forgets the remembered version (after a rolling upgrade, say).</summary>
    public void ForgetServerVersion() => _version.Forget();

    /// <summary>
    /// The HTTP login's access token, logging in (at the preferred node) when there is none or it is due
    /// for refresh; null when the cluster has no credentials. gRPC connections send it as <c>accessToken</c>.
    /// </summary>
    /// <exception cref="NacosUnauthorizedException">The cluster refused the credentials; the message names the keys to check.</exception>
    public ValueTask<string?> AccessTokenAsync(CancellationToken cancellationToken) => _login.TokenAsync(PreferredServer, cancellationToken);

    public void Dispose()
    {
        _login.Dispose();
        _version.Dispose();
    }

    private delegate Task<T> Exchange<T>(NacosHttpExchange exchange, Uri node, NacosRequest request, string? token, CancellationToken cancellationToken);

    private async Task<T> ExecuteAsync<T>(NacosRequest request, Uri? node, Exchange<T> exchange, CancellationToken cancellationToken)
    {
        var pipeline = request.IsRead ? _readPipeline : _writePipeline;
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(NacosPipelines.RequestKey, request);
        try
        {
            return await pipeline.ExecuteAsync(
                static async (ctx, state) => await state.Self.SendRoundAsync(state.Request, state.Node, state.Exchange, ctx.CancellationToken),
                context,
                (Self: this, Request: request, Node: node, Exchange: exchange));
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
    private async Task<T> SendRoundAsync<T>(NacosRequest request, Uri? node, Exchange<T> exchange, CancellationToken cancellationToken)
    {
        if (node is not null)
        {
            return await SendToOneAsync(node, request, exchange, cancellationToken);
        }

        var servers = _options.Servers;
        var start = Volatile.Read(ref _preferred);
        NacosException? last = null;
        for (var i = 0; i < servers.Count; i++)
        {
            var index = (start + i) % servers.Count;
            try
            {
                var response = await SendToOneAsync(servers[index], request, exchange, cancellationToken);
                if (i > 0)
                {
                    Interlocked.CompareExchange(ref _preferred, index, start);
                    LogFailover(_logger, _options.Name, servers[start % servers.Count], servers[index]);
                }

                return response;
            }
            catch (NacosException ex) when (NacosPipelines.IsTransient(ex) && CanTryNextNode(request, ex))
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

    /// <summary>One node: with the token (when credentials are configured), once more with a fresh one if it was refused.</summary>
    private async Task<T> SendToOneAsync<T>(Uri node, NacosRequest request, Exchange<T> exchange, CancellationToken cancellationToken)
    {
        if (request.WithoutLogin)
        {
            // Never a login for these (they pick the login path), but a token held is sent as on every call.
            return await exchange(_exchange, node, request, _login.Current, cancellationToken);
        }

        var token = await _login.TokenAsync(node, cancellationToken);
        try
        {
            try
            {
                return await exchange(_exchange, node, request, token, cancellationToken);
            }
            catch (NacosUnauthorizedException ex) when (token is not null && !ex.LoginRefused)
            {
                // The token may have been invalidated early (server restart, secret rotation): log in once more.
                _login.Invalidate();
                token = await _login.TokenAsync(node, cancellationToken);
                return await exchange(_exchange, node, request, token, cancellationToken);
            }
        }
        catch (NacosUnauthorizedException ex) when (!ex.LoginRefused)
        {
            throw NacosAuthErrors.Refused(_options, _version.LastRead, request, ex);
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Nacos cluster {Cluster}: node {Node} failed {Request}: {Error}")]
    private static partial void LogNodeFailed(ILogger logger, string cluster, Uri node, string request, string error);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Nacos cluster {Cluster}: failed over from {From} to {To}")]
    private static partial void LogFailover(ILogger logger, string cluster, Uri from, Uri to);
}
