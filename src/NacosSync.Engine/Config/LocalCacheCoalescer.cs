namespace NacosSync.Engine.Config;

/// <summary>
/// At most one <c>localCache</c> (a re-read of every formal config row, reference §5) per target node
/// per <see cref="MinInterval"/>, however many runs and tasks ask. A caller that asks while a call
/// for that node is scheduled but not yet sent shares it: the re-read starts after the caller's rows
/// were committed, so it covers them. A caller that asks after the call was sent gets the next one,
/// no sooner than <see cref="MinInterval"/> after it. One instance per process (the runner holds it).
/// </summary>
internal sealed class LocalCacheCoalescer(TimeProvider timeProvider)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Uri, Slot> _slots = [];

    /// <summary>The least time between two <c>localCache</c> calls to one node. Default 1 s.</summary>
    public TimeSpan MinInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Calls sent, all nodes together (for tests and logs).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    private long _sent;

    /// <summary>
    /// Completes once a <c>localCache</c> sent to <paramref name="node"/> after this call began has been
    /// accepted. <paramref name="send"/> sends one; it is called with no caller's token (the call is shared)
    /// and must bound itself.
    /// </summary>
    public Task RefreshAsync(Uri node, Func<Task> send, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(send);
        Task shared;
        lock (_gate)
        {
            if (!_slots.TryGetValue(node, out var slot))
            {
                slot = new Slot();
                _slots[node] = slot;
            }

            if (slot.Scheduled is { } scheduled)
            {
                shared = scheduled;
            }
            else
            {
                var wait = slot.LastSent is { } last ? MinInterval - timeProvider.GetElapsedTime(last) : TimeSpan.Zero;
                shared = slot.Scheduled = SendLaterAsync(slot, wait, send);
            }
        }

        return shared.WaitAsync(cancellationToken);
    }

    private async Task SendLaterAsync(Slot slot, TimeSpan wait, Func<Task> send)
    {
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, timeProvider);
        }
        else
        {
            await Task.Yield();
        }

        lock (_gate)
        {
            // From here on a new caller's rows may be committed after the re-read began: it waits for the next call.
            slot.Scheduled = null;
            slot.LastSent = timeProvider.GetTimestamp();
        }

        Interlocked.Increment(ref _sent);
        await send();
    }

    private sealed class Slot
    {
        public Task? Scheduled { get; set; }

        public long? LastSent { get; set; }
    }
}
