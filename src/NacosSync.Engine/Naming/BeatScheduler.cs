using System.Collections.Concurrent;

namespace NacosSync.Engine.Naming;

/// <summary>
/// When each kept replica is beaten: a priority queue of due times per task on the monotonic clock
/// (<see cref="TimeProvider.GetTimestamp"/>), each replica at the interval it declares to the target. A pass takes
/// what is due, oldest first across all tasks, and starts each beat on its own, never waiting for one: a replica
/// whose last beat still hangs is skipped, each target cluster has its own slots, and the next beat is due one
/// interval after the last was due (fixed rate). A replica that finds its cluster's slots taken stays queued at its
/// due time, so when the keeper falls behind the most overdue replica goes first and none starves while others are
/// beaten twice. The queue heads give, per task, how late the most overdue beat is (<see cref="Overdue"/>).
/// </summary>
internal sealed class BeatScheduler(TimeProvider timeProvider, ReplicaKeeperOptions options, Func<KeptReplica, CancellationToken, Task<BeatResult>> beat,
    Action<KeptReplica> dropped, BeatLatenessLog? lateness = null)
{
    private readonly Dictionary<string, PriorityQueue<KeptReplica, long>> _queues = new(StringComparer.Ordinal);
    private readonly Lock _queueLock = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _slots = new(StringComparer.Ordinal);
    private long _beatsSent;

    public long BeatsSent => Interlocked.Read(ref _beatsSent);

    /// <summary>A new replica's first beat, at a random point of its next interval so a big copy does not beat in one burst.</summary>
    public void ScheduleSpread(KeptReplica entry) => ScheduleWithin(entry, entry.Interval(options.Interval));

    /// <summary>A first beat at a random point of <paramref name="window"/> (a takeover: the replicas have been silent a while already).</summary>
    public void ScheduleWithin(KeptReplica entry, TimeSpan window) =>
        Schedule(entry, timeProvider.GetTimestamp() + (long)(Random.Shared.NextDouble() * Stamp(window)));

    /// <summary>Per task with kept replicas: how late its most overdue beat is now (zero when none is overdue).</summary>
    public List<(string Task, TimeSpan Late)> Overdue()
    {
        var now = timeProvider.GetTimestamp();
        lock (_queueLock)
        {
            return [.. _queues.Select(q => (q.Key, Head(q.Value) is { } at && at < now ? timeProvider.GetElapsedTime(at, now) : TimeSpan.Zero))];
        }
    }

    private void Schedule(KeptReplica entry, long at)
    {
        lock (_queueLock)
        {
            Enqueue(entry, at);
        }
    }

    /// <summary>Under <see cref="_queueLock"/>: the replica's beat is due at <paramref name="at"/>; its older queue entries go stale.</summary>
    private void Enqueue(KeptReplica entry, long at)
    {
        entry.Due = at;
        if (!_queues.TryGetValue(entry.Id.Task, out var queue))
        {
            queue = new PriorityQueue<KeptReplica, long>();
            _queues[entry.Id.Task] = queue;
        }

        queue.Enqueue(entry, at);
    }

    /// <summary>Under <see cref="_queueLock"/>: the due time at the head of <paramref name="queue"/>, stale entries (rescheduled, forgotten) dropped on the way.</summary>
    private static long? Head(PriorityQueue<KeptReplica, long> queue)
    {
        while (queue.TryPeek(out var entry, out var at))
        {
            if (!entry.Forgotten && entry.Due == at)
            {
                return at;
            }

            queue.Dequeue();
        }

        return null;
    }

    /// <summary>Under <see cref="_queueLock"/>: the task queue whose head is due now and was due the longest, if any.</summary>
    private PriorityQueue<KeptReplica, long>? OldestDue(long now)
    {
        PriorityQueue<KeptReplica, long>? oldest = null;
        var oldestAt = long.MaxValue;
        foreach (var queue in _queues.Values)
        {
            if (Head(queue) is { } at && at <= now && at < oldestAt)
            {
                oldest = queue;
                oldestAt = at;
            }
        }

        return oldest;
    }

    private long Stamp(TimeSpan span) => (long)(span.TotalSeconds * timeProvider.TimestampFrequency);

    /// <summary>Starts every beat due now that has a slot, oldest first; returns them (only the hand-driven harness waits for them).</summary>
    public List<Task> DispatchDue(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetTimestamp();
        var start = new List<(KeptReplica Entry, SemaphoreSlim Slots)>();
        List<(string Task, int Replicas, TimeSpan Late, TimeSpan? Timeout)> late = [];
        List<string> onTime = [];
        lock (_queueLock)
        {
            // Still due after this pass, kept at their due times so that the next pass takes them before anything due later.
            var waiting = new List<KeptReplica>();
            var full = new HashSet<string>(StringComparer.Ordinal);
            while (OldestDue(now) is { } queue)
            {
                var entry = queue.Dequeue();
                var slots = _slots.GetOrAdd(entry.TargetCluster, _ => new SemaphoreSlim(options.MaxConcurrencyPerCluster, options.MaxConcurrencyPerCluster));
                if (!entry.InFlight.IsCompleted)
                {
                    waiting.Add(entry); // its last beat has not returned: never two at once; looked at again next pass
                    continue;
                }

                if (full.Contains(entry.TargetCluster) || !slots.Wait(0, CancellationToken.None))
                {
                    waiting.Add(entry);
                    full.Add(entry.TargetCluster);
                    if (full.Count == _slots.Count)
                    {
                        break; // every cluster's slots are taken: what is left is due no earlier and waits for the next pass
                    }

                    continue;
                }

                // Fixed rate from the due time; after a long stall, from now (no burst of catch-up beats).
                var interval = Stamp(entry.Interval(options.Interval));
                Enqueue(entry, entry.Due + interval > now ? entry.Due + interval : now + interval);
                start.Add((entry, slots));
            }

            foreach (var entry in waiting)
            {
                _queues[entry.Id.Task].Enqueue(entry, entry.Due);
            }

            if (lateness is not null)
            {
                Lateness(now, late, onTime);
            }
        }

        var sent = new List<Task>(start.Count);
        foreach (var (entry, slots) in start)
        {
            lock (entry)
            {
                // Started under the entry's lock, which ReplicaBeater takes before it sends: whoever sees the beat
                // sent (a removal, the next pass) also sees it in flight.
                entry.InFlight = BeatAsync(entry, slots, cancellationToken);
                sent.Add(entry.InFlight);
            }
        }

        foreach (var (task, replicas, by, timeout) in late)
        {
            lateness!.Report(task, replicas, by, timeout);
        }

        foreach (var task in onTime)
        {
            lateness!.OnTime(task);
        }

        return sent;
    }

    /// <summary>
    /// Under <see cref="_queueLock"/>: the tasks whose most overdue beat is more than its interval late (a whole beat
    /// missed) and due a warning, with how many of their replicas are that late (counted only then, at most once a
    /// minute per task), and the tasks on time.
    /// </summary>
    private void Lateness(long now, List<(string, int, TimeSpan, TimeSpan?)> late, List<string> onTime)
    {
        foreach (var (task, queue) in _queues)
        {
            if (Head(queue) is not { } at || !queue.TryPeek(out var head, out _) || now - at <= Stamp(head.Interval(options.Interval)))
            {
                onTime.Add(task);
            }
            else if (lateness!.ShouldReport(task))
            {
                var replicas = queue.UnorderedItems.Count(i => !i.Element.Forgotten && i.Element.Due == i.Priority && now - i.Priority > Stamp(i.Element.Interval(options.Interval)));
                late.Add((task, replicas, timeProvider.GetElapsedTime(at, now), head.DeclaredTimeout));
            }
        }
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
                // A failed beat is retried sooner, so one lost beat does not cost a large part of the timeout.
                var sooner = timeProvider.GetTimestamp() + Stamp(entry.Interval(options.Interval) / 2);
                lock (_queueLock)
                {
                    if (sooner < entry.Due)
                    {
                        Enqueue(entry, sooner);
                    }
                }
            }
        }
    }
}
