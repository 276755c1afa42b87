using NacosSync.Sandbox.Grpc;

namespace NacosSync.Sandbox;

/// <summary>
/// The gRPC connection-level fault switch of one node (beside <see cref="SandboxFaults"/>, which acts on
/// HTTP requests). Thread-safe.
/// </summary>
public sealed class SandboxConnectionFaults
{
    private readonly GrpcConnections _connections;
    private volatile bool _stalled;
    private TaskCompletionSource _resumed = NewResumed();

    internal SandboxConnectionFaults(GrpcConnections connections) => _connections = connections;

    /// <summary>
    /// True while the node stops answering on gRPC: unary calls hang until resumed or cancelled, the
    /// bi-stream reads and writes nothing, and idle detection does not run. Connections stay open.
    /// </summary>
    public bool Stalled
    {
        get => _stalled;
        set
        {
            _stalled = value;
            if (!value)
            {
                Interlocked.Exchange(ref _resumed, NewResumed()).TrySetResult();
            }
        }
    }

    /// <summary>Closes every gRPC connection of the node at once (as a server restart or network cut would); returns how many.</summary>
    public int DropAllConnections() => _connections.DropAll();

    /// <summary>
    /// Pushes a <c>ConnectResetRequest</c> (optionally naming the server to move to) on every set-up
    /// connection; returns how many were sent.
    /// </summary>
    public int ResetAllConnections(string? serverIp = null, string? serverPort = null)
    {
        var sent = 0;
        foreach (var connection in _connections.All)
        {
            if (_connections.Push(connection, new ConnectResetRequest(serverIp, serverPort, connection.Id)))
            {
                sent++;
            }
        }

        return sent;
    }

    /// <summary>Back to normal (not stalled).</summary>
    public void Clear() => Stalled = false;

    /// <summary>Waits while stalled (the re-check after taking the signal keeps a Clear() in between from stranding a caller).</summary>
    internal async Task WhileStalledAsync(CancellationToken ct)
    {
        while (_stalled)
        {
            var resumed = Volatile.Read(ref _resumed).Task;
            if (!_stalled)
            {
                return;
            }

            await resumed.WaitAsync(ct);
        }
    }

    private static TaskCompletionSource NewResumed() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
