using System.Collections.Concurrent;

namespace NacosSync.Engine.Naming;

/// <summary>
/// When each kept replica is beaten: a priority queue of due times on the monotonic clock
/// (<see cref="TimeProvider.GetTimestamp"/>). A pass takes what is due and starts each beat on its
/// own, never waiting for one: a replica whose last beat still hangs is skipped, each target cluster
/// has its own slots, and the next beat is due one interval after the last was due (fixed rate).
/// </summary>
internal sealed class BeatScheduler(TimeProvider timeProvider, ReplicaKeeperOptions options, Func<KeptReplica, CancellationToken, Task<BeatResult>> beat,
    Action<KeptReplica> dropped)
{
    private readonly PriorityQueue<KeptReplica, long> _queue = new();
    private readonly Lock _queueLock = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _slots = new(StringComparer.Ordinal);
    private long _beatsSent;

    public long BeatsSent => Interlocked.Read(ref _beatsSent);

    /// <summary>A new replica's first beat, at a random point of the next interval so a big copy does not beat in one burst.</summary>
    public void ScheduleSpread(KeptReplica entry) => ScheduleWithin(entry, options.Interval);

    /// <summary>A first beat at a random point of <paramref name="window"/> (a takeover: the replicas have been silent a while already).</summary>
    public void ScheduleWithin(KeptReplica entry, TimeSpan window) =>
        Schedule(entry, timeProvider.GetTimestamp() + (long)(Random.Shared.NextDouble() * Stamp(window)));

    private void Schedule(KeptReplica entry, long at)
    {
        lock (_queueLock)
        {
            entry.Due = at;
            _queue.Enqueue(entry, at);
        }
    }

    private long Stamp(TimeSpan span) => (long)(span.TotalSeconds * timeProvider.TimestampFrequency);

    /// <summary>Starts every beat due now; returns them (only the hand-driven harness waits for them).</summary>
    public List<Task> DispatchDue(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetTimestamp();
        var interval = Stamp(options.Interval);
        var due = new List<KeptReplica>();
        lock (_queueLock)
        {
            while (_queue.TryPeek(out var entry, out var at) && at <= now)
            {
                _queue.Dequeue();
                if (!entry.Forgotten && entry.Due == at)
                {
                    due.Add(entry);
                }
            }
        }

        var sent = new List<Task>(due.Count);
        foreach (var entry in due)
        {
            // Fixed rate from the due time; after a long stall, from now (no burst of catch-up beats).
            var next = entry.Due + interval > now ? entry.Due + interval : now + interval;
            if (!entry.InFlight.IsCompleted)
            {
                // Its last beat has not returned: never two at once; look again soon rather than a whole interval later.
                Schedule(entry, now + Math.Max(Stamp(options.Tick), interval / 10));
                continue;
            }

            var slots = _slots.GetOrAdd(entry.TargetCluster, _ => new SemaphoreSlim(options.MaxConcurrencyPerCluster, options.MaxConcurrencyPerCluster));
            if (!slots.Wait(0, CancellationToken.None))
            {
                Schedule(entry, now + Stamp(options.Tick)); // that cluster's slots are full: try again next tick, others go on
                continue;
            }

            Schedule(entry, next);
            lock (entry)
            {
                // Started under the entry's lock, which ReplicaBeater takes before it sends: whoever sees the beat
                // sent (a removal, the next pass) also sees it in flight.
                entry.InFlight = BeatAsync(entry, slots, cancellationToken);
                sent.Add(entry.InFlight);
            }
        }

        return sent;
    }

    private async Task BeatAsync(KeptReplica entry, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        await Task.Yield(); // never run a beat on the scheduler's own pass
        var result = BeatResult.Failed;
        try
        {
            result = await beat(entry, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // shutting down
        }
        finally
        {
            slots.Release();
            Interlocked.Increment(ref _beatsSent);
            if (result == BeatResult.Dropped)
            {
                dropped(entry);
            }
            else if (result == BeatResult.Failed && !entry.Forgotten)
            {
                // A failed beat is retried sooner, so one lost beat does not cost a third of the 15 s budget.
                var sooner = timeProvider.GetTimestamp() + Stamp(options.Interval / 2);
                if (sooner < entry.Due)
                {
                    Schedule(entry, sooner);
                }
            }
        }
    }
}
