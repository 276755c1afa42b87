using System.Collections.Concurrent;
using NacosSync.Core.Naming;
using NacosSync.Core.Sync;

namespace NacosSync.Engine.Naming;

/// <summary>What one namespace's plan holds: the changes allowed, and the removals refused or waiting.</summary>
internal sealed class NamespaceTally
{
    public long Added;
    public long Updated;
    public long Removed;
    public long Refused;
}

/// <summary>
/// The counts and errors of one naming run, safe to bump from parallel reads and writes, turned into
/// the <see cref="SyncRunResult"/> at the end.
/// </summary>
internal sealed class NamingRunTally(string taskName, SyncMode mode)
{
    private readonly ConcurrentQueue<SyncError> _errors = new();
    private readonly ConcurrentDictionary<string, NamespaceTally> _planned = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<double> _latencies = new();
    private long _read;
    private long _added;
    private long _updated;
    private long _removed;
    private long _failed;

    public SyncMode Mode { get; set; } = mode;

    public long Drift { get; set; }

    public long Refused { get; set; }

    public string? GuardTripped { get; set; }

    public DateTimeOffset? OldestPending { get; set; }

    /// <summary>A dry run: the totals are what would be applied, not what was.</summary>
    public bool Planned { get; set; }

    public long Removed => Interlocked.Read(ref _removed);

    public long Failed => Interlocked.Read(ref _failed);

    public bool HasErrors => !_errors.IsEmpty;

    public void Read(long instances) => Interlocked.Add(ref _read, instances);

    public void Error(SyncStage stage, string message, string? key = null) => _errors.Enqueue(new SyncError(stage, message, key));

    public void WriteFailed() => Interlocked.Increment(ref _failed);

    public void Latency(double seconds) => _latencies.Enqueue(seconds);

    public void Applied(NamingChangeKind kind)
    {
        switch (kind)
        {
            case NamingChangeKind.Add:
                Interlocked.Increment(ref _added);
                break;
            case NamingChangeKind.Update:
                Interlocked.Increment(ref _updated);
                break;
            default:
                Interlocked.Increment(ref _removed);
                break;
        }
    }

    /// <summary>Counts the guarded plan per namespace.</summary>
    public void Plan(IEnumerable<NamingChange> allowed, IEnumerable<NamingChange> refused)
    {
        foreach (var change in allowed)
        {
            var tally = _planned.GetOrAdd(change.Namespace, _ => new NamespaceTally());
            _ = change.Kind switch
            {
                NamingChangeKind.Add => Interlocked.Increment(ref tally.Added),
                NamingChangeKind.Update => Interlocked.Increment(ref tally.Updated),
                _ => Interlocked.Increment(ref tally.Removed),
            };
        }

        foreach (var change in refused)
        {
            Interlocked.Increment(ref _planned.GetOrAdd(change.Namespace, _ => new NamespaceTally()).Refused);
        }
    }

    public SyncRunResult Result(TimeSpan duration) => new()
    {
        TaskName = taskName,
        Kind = SyncKind.Naming,
        Mode = Mode,
        Read = Interlocked.Read(ref _read),
        Added = Planned ? _planned.Values.Sum(n => n.Added) : Interlocked.Read(ref _added),
        Updated = Planned ? _planned.Values.Sum(n => n.Updated) : Interlocked.Read(ref _updated),
        Removed = Planned ? _planned.Values.Sum(n => n.Removed) : Removed,
        Refused = Refused,
        Failed = Failed,
        Drift = Drift,
        GuardTripped = GuardTripped,
        Errors = [.. _errors],
        Namespaces = [.. _planned.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => new NamespaceCounts(n.Key, n.Value.Added, n.Value.Updated, n.Value.Removed, n.Value.Refused))],
        ChangeLatencies = [.. _latencies],
        OldestPendingChange = OldestPending,
        Duration = duration,
    };
}
