namespace NacosSync.Sandbox;

/// <summary>How a sandbox node misbehaves, for tests of the daemon's resilience.</summary>
public enum FaultMode
{
    /// <summary>Behaves normally.</summary>
    None,

    /// <summary>Every request answers HTTP 500.</summary>
    ServerError,

    /// <summary>Every request hangs until the fault is cleared or the client gives up.</summary>
    Hang,

    /// <summary>Every request's connection is aborted without a response.</summary>
    DropConnection,

    /// <summary>Instance list calls answer a valid but empty host list; everything else works.</summary>
    EmptyInstanceList,

    /// <summary>The server-state endpoints (<c>/v1/console/server/state</c>, <c>/v3/admin/core/state</c>) answer HTTP 500; everything else works.</summary>
    ServerStateError,
}

/// <summary>The fault switch of one node. Thread-safe; takes effect on the next request.</summary>
public sealed class SandboxFaults
{
    private volatile FaultMode _mode;
    private TaskCompletionSource _cleared = NewCleared();

    /// <summary>The current fault.</summary>
    public FaultMode Mode
    {
        get => _mode;
        set
        {
            _mode = value;
            if (value != FaultMode.Hang)
            {
                Interlocked.Exchange(ref _cleared, NewCleared()).TrySetResult();
            }
        }
    }

    /// <summary>Back to normal.</summary>
    public void Clear() => Mode = FaultMode.None;

    /// <summary>Completes when a Hang fault is lifted.</summary>
    internal Task HangReleased => Volatile.Read(ref _cleared).Task;

    private static TaskCompletionSource NewCleared() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
