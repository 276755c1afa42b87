using System.Collections.Concurrent;
using System.Threading.Channels;
using NacosSync.Nacos.Grpc;
using NacosSync.Nacos.Grpc.Messages;
using NacosSync.Nacos.Protocol;
using NacosSync.Nacos.Transport;

namespace NacosSync.Tests.Nacos.Grpc;

/// <summary>A fake clock that reports each timer it creates, so a test moves time only once the code waits on it.</summary>
internal sealed class SignallingFakeTime : FakeTimeProvider
{
    public SignallingFakeTime()
        : base(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public Channel<TimeSpan> Timers { get; } = Channel.CreateUnbounded<TimeSpan>();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        Timers.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>Waits until a timer of <paramref name="dueTime"/> was created (others are skipped).</summary>
    public async Task WaitForTimerAsync(TimeSpan dueTime)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (await Timers.Reader.ReadAsync(guard.Token) != dueTime)
        {
        }
    }
}

/// <summary>A session whose unary answers come from a script; it records what it was sent.</summary>
internal sealed class FakeSession(string connectionId, int nodeIndex, Uri node, Func<GrpcRequest, GrpcResponse> answer) : IGrpcSession
{
    private readonly TaskCompletionSource<GrpcSessionLoss> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string ConnectionId { get; } = connectionId;

    public int NodeIndex { get; } = nodeIndex;

    public Uri Node { get; } = node;

    public IReadOnlyDictionary<string, bool> ServerAbilities { get; } = new Dictionary<string, bool>();

    public Task<GrpcSessionLoss> Lost => _lost.Task;

    public ConcurrentQueue<(GrpcRequest Request, IReadOnlyDictionary<string, string> Headers)> Sent { get; } = new();

    public Channel<GrpcRequest> SentSignal { get; } = Channel.CreateUnbounded<GrpcRequest>();

    public bool Disposed { get; private set; }

    public void ReportLost(GrpcSessionLoss loss) => _lost.TrySetResult(loss);

    public Task<Payload> UnaryAsync(Payload request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        var decoded = (GrpcRequest)GrpcPayloadCodec.Decode(request);
        Sent.Enqueue((decoded, request.Metadata.Headers.ToDictionary()));
        SentSignal.Writer.TryWrite(decoded);
        return Task.FromResult(GrpcPayloadCodec.Encode(answer(decoded)));
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        _lost.TrySetResult(new GrpcSessionLoss("closed"));
        return ValueTask.CompletedTask;
    }
}

/// <summary>Opens <see cref="FakeSession"/>s; <see cref="Refuse"/> marks nodes that refuse; records each attempt with the fake time.</summary>
internal sealed class FakeOpener(NacosGrpcOptions options, TimeProvider time) : IGrpcSessionOpener
{
    private int _sessions;

    public HashSet<int> Refuse { get; } = [];

    public Func<GrpcRequest, GrpcResponse> Answer { get; set; } = r => r is HealthCheckRequest ? new HealthCheckResponse() : new ErrorResponse { ResultCode = 500, ErrorCode = 302 };

    public ConcurrentQueue<(int Node, DateTimeOffset At)> Attempts { get; } = new();

    public ConcurrentQueue<FakeSession> Sessions { get; } = new();

    /// <summary>When set, an open waits for it (a reconnect in progress).</summary>
    public TaskCompletionSource? Gate { get; set; }

    public async Task<IGrpcSession> OpenAsync(int nodeIndex, CancellationToken cancellationToken)
    {
        Attempts.Enqueue((nodeIndex, time.GetUtcNow()));
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (Refuse.Contains(nodeIndex))
        {
            throw new NacosUnreachableException($"node {options.Servers[nodeIndex]} refused");
        }

        var session = new FakeSession($"conn-{Interlocked.Increment(ref _sessions)}", nodeIndex, options.Servers[nodeIndex], r => Answer(r));
        Sessions.Enqueue(session);
        return session;
    }
}
