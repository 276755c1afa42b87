using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using NacosSync.Nacos.Grpc.Messages;
using NacosSync.Nacos.Protocol;

namespace NacosSync.Nacos.Grpc;

/// <summary>The live <see cref="IGrpcSession"/> over Grpc.Net.Client; made by <see cref="GrpcSessionOpener"/>.</summary>
internal sealed class GrpcSession : IGrpcSession
{
    private readonly GrpcChannel _channel;
    private readonly CallInvoker _invoker;
    private readonly NacosGrpcOptions _options;
    private readonly GrpcPushDispatcher _dispatcher;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly TaskCompletionSource<GrpcSessionLoss> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<SetupAckRequest> _setupAck = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private AsyncDuplexStreamingCall<Payload, Payload>? _stream;
    private Task _reader = Task.CompletedTask;
    private int _disposed;
    private bool _refusing;

    public GrpcSession(GrpcChannel channel, string connectionId, int nodeIndex, NacosGrpcOptions options, GrpcPushDispatcher dispatcher,
        TimeProvider time, ILogger logger)
    {
        _channel = channel;
        _invoker = channel.CreateCallInvoker();
        ConnectionId = connectionId;
        NodeIndex = nodeIndex;
        Node = options.Servers[nodeIndex];
        _options = options;
        _dispatcher = dispatcher;
        _time = time;
        _logger = logger;
    }

    public string ConnectionId { get; }

    public int NodeIndex { get; }

    public Uri Node { get; }

    public IReadOnlyDictionary<string, bool> ServerAbilities { get; private set; } = new Dictionary<string, bool>();

    public Task<GrpcSessionLoss> Lost => _lost.Task;

    /// <summary>The setup ack, once the server sent it.</summary>
    public Task<SetupAckRequest> SetupAcked => _setupAck.Task;

    public void ReportLost(GrpcSessionLoss loss) => _lost.TrySetResult(loss);

    /// <summary>Opens the bi-stream, starts reading it and sends the connection setup.</summary>
    public async Task StartAsync(ConnectionSetupRequest setup, CancellationToken cancellationToken)
    {
        _stream = _invoker.AsyncDuplexStreamingCall(NacosGrpcMethods.BiRequestStream, null, new CallOptions(cancellationToken: _stop.Token));
        _reader = Task.Run(ReadAsync, CancellationToken.None);
        await SendAsync(GrpcPayloadCodec.Encode(setup, _options.ClientIp), cancellationToken).ConfigureAwait(false);
    }

    public Task<Payload> UnaryAsync(Payload request, TimeSpan timeout, CancellationToken cancellationToken) =>
        CallAsync(_invoker, request, timeout, _time, cancellationToken);

    /// <summary>
    /// One unary call that gives up after <paramref name="timeout"/> on <paramref name="time"/>'s clock.
    /// Not a gRPC deadline: Grpc.Net.Client checks those against the system clock, which a fake
    /// clock would make expire at once or never; Nacos does not read <c>grpc-timeout</c> anyway.
    /// </summary>
    /// <exception cref="RpcException"><see cref="StatusCode.DeadlineExceeded"/> when the time ran out.</exception>
    internal static async Task<Payload> CallAsync(CallInvoker invoker, Payload request, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var expiry = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
        try
        {
            using var call = invoker.AsyncUnaryCall(NacosGrpcMethods.Request, null, new CallOptions(cancellationToken: linked.Token), request);
            return await call.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e) when (expiry.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"no answer within {timeout.TotalSeconds} s", e));
        }
    }

    private async Task SendAsync(Payload payload, CancellationToken cancellationToken)
    {
        var stream = _stream ?? throw new InvalidOperationException("the stream is not open");
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await stream.RequestStream.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    // The stream's loop boundary: whatever ends it ends the session, and the supervisor reconnects.
#pragma warning disable CA1031 // Catch-all at the loop boundary: any failure of the stream is a lost session.
    private async Task ReadAsync()
    {
        try
        {
            await foreach (var payload in _stream!.ResponseStream.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                await HandleAsync(payload).ConfigureAwait(false);
            }

            _lost.TrySetResult(new GrpcSessionLoss("the server ended the stream"));
        }
        catch (Exception e)
        {
            _lost.TrySetResult(new GrpcSessionLoss(_stop.IsCancellationRequested ? "closed" : $"stream failed: {Describe(e)}", e));
        }
    }
#pragma warning restore CA1031

    private async Task HandleAsync(Payload payload)
    {
        GrpcResponse? answer;
        try
        {
            if (GrpcPayloadCodec.Decode(payload) is not GrpcRequest request)
            {
                GrpcLog.Ignored(_logger, _options.Name, payload.Metadata?.Type ?? "", ConnectionId);
                return;
            }

            var dispatch = _dispatcher.Handle(request, ConnectionId, Node);
            if (dispatch.SetupAck is { } ack)
            {
                ServerAbilities = ack.AbilityTable ?? new Dictionary<string, bool>();
                _setupAck.TrySetResult(ack);
            }

            // One warning when refusing starts, then one per 1,000 refusals: an overflow must not flood the log.
            if (dispatch.Refused && (!_refusing || _dispatcher.Refused % 1000 == 0))
            {
                GrpcLog.PushRefused(_logger, _options.Name, request.GetType().Name, ConnectionId, _dispatcher.Refused);
            }

            _refusing = dispatch.Refused || (_refusing && request is not (NotifySubscriberRequest or ConfigChangeNotifyRequest));

            answer = dispatch.Answer;
            if (dispatch.Reset is { } reset)
            {
                GrpcLog.ResetRequested(_logger, _options.Name, Node, ConnectionId, reset.ServerIp, reset.ServerPort);
                if (answer is not null)
                {
                    await SendAsync(GrpcPayloadCodec.Encode(answer), _stop.Token).ConfigureAwait(false);
                }

                _lost.TrySetResult(new GrpcSessionLoss("the server asked for a reconnect", Reset: reset));
                return;
            }
        }
        catch (GrpcPayloadException e)
        {
            GrpcLog.Unreadable(_logger, _options.Name, e.Type, Node, ConnectionId, e.Message);
            answer = GrpcPushDispatcher.AnswerUnreadable(e);
        }

        if (answer is not null)
        {
            await SendAsync(GrpcPayloadCodec.Encode(answer), _stop.Token).ConfigureAwait(false);
        }
    }

    internal static string Describe(Exception e) => e is RpcException rpc ? $"{rpc.StatusCode} {rpc.Status.Detail}" : e.Message;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _lost.TrySetResult(new GrpcSessionLoss("closed"));
        if (_stream is { } stream && !_reader.IsCompleted)
        {
            // Half-close first so the server sees the stream complete and drops the connection's state now.
            try
            {
                if (await _writeLock.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false))
                {
                    try
                    {
                        await stream.RequestStream.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                    }
                    finally
                    {
                        _writeLock.Release();
                    }
                }
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException or TimeoutException or OperationCanceledException)
            {
                // Already broken: cancelling below is all that is left to do.
            }
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _reader.ConfigureAwait(false);
        _stream?.Dispose();
        _channel.Dispose();
        _stop.Dispose();
    }
}
