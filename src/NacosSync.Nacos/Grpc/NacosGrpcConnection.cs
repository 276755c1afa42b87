using System.Globalization;
using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NacosSync.Nacos.Grpc.Messages;
using NacosSync.Nacos.Protocol;
using NacosSync.Nacos.Transport;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Timeout;

namespace NacosSync.Nacos.Grpc;

/// <summary>A new session replaced a lost one: whatever the old connection held (subscriptions, ephemeral instances, listeners) is gone.</summary>
internal sealed record GrpcReconnected(string ConnectionId, Uri Node, string PreviousConnectionId, Uri PreviousNode);

/// <summary>
/// The daemon's gRPC connection to one Nacos 2.x/3.x cluster for one module (naming or config),
/// reference §9 and docs/grpc.md: holds one session at a time (<see cref="IGrpcSession"/>), sends
/// unary requests through the <c>nacos-grpc-read</c>/<c>-write</c> pipelines, answers and queues
/// server pushes (<see cref="Pushes"/>), health-checks the connection when idle and, when the
/// session is lost, reconnects to the next node with backoff (<see cref="GrpcReconnectPolicy"/>)
/// and raises <see cref="Reconnected"/>. Thread-safe.
/// </summary>
internal sealed partial class NacosGrpcConnection : IAsyncDisposable
{
    private readonly NacosGrpcOptions _options;
    private readonly IGrpcSessionOpener _opener;
    private readonly Func<CancellationToken, ValueTask<string?>>? _accessToken;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly GrpcReconnectPolicy _policy;
    private readonly Channel<GrpcPush> _pushes;
    private readonly GrpcPushDispatcher _dispatcher;
    private readonly ResiliencePipeline _readPipeline;
    private readonly ResiliencePipeline _writePipeline;
    private readonly CancellationTokenSource _stop = new();
    private volatile TaskCompletionSource<IGrpcSession> _ready = NewReady();
    private Task _supervisor = Task.CompletedTask;
    private long _lastActive;
    private long _requestIds;
    private int _started;
    private int _disposed;

    /// <param name="accessToken">The current <c>accessToken</c> (the HTTP login's), or null when the cluster has no auth.</param>
    /// <param name="pipelines">Polly's registry (the host's); null: the connection builds its own pipelines.</param>
    public NacosGrpcConnection(NacosGrpcOptions options, Func<CancellationToken, ValueTask<string?>>? accessToken = null,
        TimeProvider? timeProvider = null, ILogger? logger = null, ResiliencePipelineRegistry<NacosPipelineKey>? pipelines = null)
        : this(options, null, accessToken, timeProvider, logger, pipelines)
    {
    }

    /// <param name="openerFactory">Makes the session opener from the push dispatcher (tests); null: <see cref="GrpcSessionOpener"/>.</param>
    internal NacosGrpcConnection(NacosGrpcOptions options, Func<GrpcPushDispatcher, IGrpcSessionOpener>? openerFactory,
        Func<CancellationToken, ValueTask<string?>>? accessToken, TimeProvider? timeProvider, ILogger? logger,
        ResiliencePipelineRegistry<NacosPipelineKey>? pipelines)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _accessToken = accessToken;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _policy = new GrpcReconnectPolicy(options.Servers.Count, options.ReconnectDelayStep, options.ReconnectMaxDelay);
        _pushes = Channel.CreateBounded<GrpcPush>(new BoundedChannelOptions(options.PushQueueCapacity) { FullMode = BoundedChannelFullMode.Wait });
        _dispatcher = new GrpcPushDispatcher(_pushes.Writer);
        _opener = openerFactory?.Invoke(_dispatcher) ?? new GrpcSessionOpener(options, _dispatcher, _time, _logger);
        _readPipeline = NacosGrpcPipelines.Get(pipelines, NacosGrpcPipelines.Read, options, _time);
        _writePipeline = NacosGrpcPipelines.Get(pipelines, NacosGrpcPipelines.Write, options, _time);
    }

    public string Name => _options.Name;

    /// <summary>Naming or config pushes, in arrival order. Read them promptly: a full queue refuses pushes (the server resends them).</summary>
    public ChannelReader<GrpcPush> Pushes => _pushes.Reader;

    /// <summary>
    /// Raised on the connection's own loop once a new session replaced a lost one (requests already go
    /// to it): the owner re-subscribes and re-registers. Handlers must return quickly (start that work,
    /// do not wait for it here). A handler's exception is logged and does not stop the others.
    /// </summary>
    public event Action<GrpcReconnected>? Reconnected;

    /// <summary>The current session's connection id; null while (re)connecting.</summary>
    public string? ConnectionId => Current?.ConnectionId;

    /// <summary>The node of the current session; null while (re)connecting.</summary>
    public Uri? Node => Current?.Node;

    /// <summary>The current server's abilities from its setup ack (empty before 2.3 or while reconnecting).</summary>
    public IReadOnlyDictionary<string, bool> ServerAbilities => Current?.ServerAbilities ?? new Dictionary<string, bool>();

    /// <summary>Pushes refused since start because the queue was full.</summary>
    public long RefusedPushes => _dispatcher.Refused;

    private IGrpcSession? Current => _ready.Task.IsCompletedSuccessfully ? _ready.Task.Result : null;

    /// <summary>Connects to the first node (in list order) that accepts, then keeps the connection.</summary>
    /// <exception cref="NacosUnreachableException">No node accepted; the message names each node and its error.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            throw new InvalidOperationException($"the gRPC connection of cluster '{Name}' is already started");
        }

        var failures = new List<string>();
        try
        {
            for (var i = 0; i < _options.Servers.Count; i++)
            {
                var session = await TryOpenAsync(i, attempt: i, failures, cancellationToken).ConfigureAwait(false);
                if (session is not null)
                {
                    Publish(session);
                    _supervisor = Task.Run(() => SuperviseAsync(session, _stop.Token), CancellationToken.None);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            Volatile.Write(ref _started, 0);
            throw;
        }

        Volatile.Write(ref _started, 0);
        throw new NacosUnreachableException(
            $"Nacos cluster {Name}: no node accepted a gRPC connection ({_options.Module}): {string.Join("; ", failures)}");
    }

    /// <summary>
    /// Sends <paramref name="request"/> and returns the server's <typeparamref name="TResponse"/>.
    /// Waits through a reconnect (bounded by the pipeline's attempt timeout).
    /// </summary>
    /// <exception cref="NacosUnreachableException">No answer (node down, deadline, circuit open, connection lost).</exception>
    /// <exception cref="NacosRejectedException">The server refused; <c>StatusCode</c> is its errorCode.</exception>
    /// <exception cref="NacosMalformedResponseException">The answer was not the expected message.</exception>
    public async Task<TResponse> RequestAsync<TResponse>(GrpcRequest request, CancellationToken cancellationToken)
        where TResponse : GrpcResponse
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        if (Volatile.Read(ref _started) == 0)
        {
            throw new InvalidOperationException($"the gRPC connection of cluster '{Name}' is not started");
        }

        var pipeline = request.IsRead ? _readPipeline : _writePipeline;
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(NacosGrpcPipelines.RequestKey, request);
        try
        {
            return await pipeline.ExecuteAsync(
                static (ctx, state) => new ValueTask<TResponse>(state.Self.SendOnceAsync<TResponse>(state.Request, ctx.CancellationToken)),
                context, (Self: this, Request: request)).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException e)
        {
            throw new NacosUnreachableException($"Nacos cluster {Name}: {TypeName(request)} got no answer within {e.Timeout.TotalSeconds} s", e);
        }
        catch (BrokenCircuitException e)
        {
            throw new NacosUnreachableException($"Nacos cluster {Name}: {TypeName(request)} not sent, the circuit is open", e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async Task<TResponse> SendOnceAsync<TResponse>(GrpcRequest request, CancellationToken cancellationToken)
        where TResponse : GrpcResponse
    {
        var session = await _ready.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        var headers = await HeadersAsync(cancellationToken).ConfigureAwait(false);
        var payload = GrpcPayloadCodec.Encode(request with { RequestId = NextRequestId() }, _options.ClientIp, headers);
        object answer;
        try
        {
            answer = GrpcPayloadCodec.Decode(await session.UnaryAsync(payload, _options.RequestTimeout, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is RpcException or ObjectDisposedException or InvalidOperationException or HttpRequestException
                                  && !cancellationToken.IsCancellationRequested)
        {
            throw new NacosUnreachableException(Failed(session, request, GrpcSession.Describe(e)), e);
        }
        catch (RpcException e) when (cancellationToken.IsCancellationRequested)
        {
            // The caller gave up (shutdown): say so as .NET does, not as a gRPC status every caller would have to know.
            throw new OperationCanceledException($"Nacos cluster {Name}: {TypeName(request)} cancelled by the caller", e, cancellationToken);
        }
        catch (GrpcPayloadException e)
        {
            throw new NacosMalformedResponseException(Failed(session, request, e.Message), e);
        }

        if (answer is ErrorResponse error)
        {
            var detail = $"{error.ErrorCode} {error.Message}";
            if (error.ErrorCode == NacosErrorCodes.Unregistered)
            {
                session.ReportLost(new GrpcSessionLoss($"the server no longer knows the connection ({detail})"));
                throw new NacosUnreachableException(Failed(session, request, detail));
            }

            throw error.ErrorCode == NacosErrorCodes.InvalidServerStatus
                ? new NacosUnreachableException(Failed(session, request, detail))
                : new NacosRejectedException(Failed(session, request, detail), error.ErrorCode, error.Message ?? "");
        }

        if (answer is not TResponse typed)
        {
            throw new NacosMalformedResponseException(Failed(session, request,
                $"answered {answer.GetType().Name}, expected {GrpcMessageTypes.NameOf(typeof(TResponse))}"));
        }

        if (!typed.IsSuccess && !request.AcceptsErrorCode(typed.ErrorCode))
        {
            var code = typed.ErrorCode != 0 ? typed.ErrorCode : typed.ResultCode;
            throw new NacosRejectedException(Failed(session, request, $"{code} {typed.Message}"), code, typed.Message ?? "");
        }

        Touch();
        return typed;
    }

    private async ValueTask<IReadOnlyDictionary<string, string>?> HeadersAsync(CancellationToken cancellationToken)
    {
        var token = _accessToken is null ? null : await _accessToken(cancellationToken).ConfigureAwait(false);
        return string.IsNullOrEmpty(token) ? null : new Dictionary<string, string> { ["accessToken"] = token };
    }

    private string Failed(IGrpcSession session, GrpcRequest request, string detail) =>
        $"Nacos cluster {Name}: node {session.Node} failed {TypeName(request)} on connection {session.ConnectionId}: {detail}";

    private static string TypeName(GrpcRequest request) => GrpcMessageTypes.NameOf(request.GetType());

    private string NextRequestId() => Interlocked.Increment(ref _requestIds).ToString(CultureInfo.InvariantCulture);

    private void Touch() => Volatile.Write(ref _lastActive, _time.GetTimestamp());

    private void Publish(IGrpcSession session)
    {
        Touch();
        _ready.TrySetResult(session);
        GrpcLog.Connected(_logger, Name, session.Node, session.ConnectionId, _options.Module);
    }

    private static TaskCompletionSource<IGrpcSession> NewReady() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _supervisor.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The loop was between attempts when it was stopped.
        }

        if (Current is { } session)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }

        _ready.TrySetException(new ObjectDisposedException(nameof(NacosGrpcConnection), $"the gRPC connection of cluster '{Name}' is closed"));
        _pushes.Writer.TryComplete();
        _stop.Dispose();
    }
}
