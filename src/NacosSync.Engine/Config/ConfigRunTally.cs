using NacosSync.Core.Config;
using NacosSync.Core.Sync;

namespace NacosSync.Engine.Config;

/// <summary>What one config run did, counted as it goes, and turned into its <see cref="SyncRunResult"/> at the end.</summary>
internal sealed class ConfigRunTally
{
    private readonly Dictionary<string, NamespaceTally> _namespaces = new(StringComparer.Ordinal);
    private readonly List<SyncError> _errors = [];

    /// <summary>Where the run is: the stage an unexpected exception is reported under.</summary>
    public SyncStage Stage { get; set; } = SyncStage.ReadSource;

    public long Read { get; set; }

    public long Drift { get; set; }

    public long Refused { get; private set; }

    public long Failed { get; private set; }

    public string? GuardTripped { get; private set; }

    public List<double> Latencies { get; } = [];

    /// <summary>Source keys an incremental run saw change, with their md5 now (<c>""</c>: deleted): what the source watch listens to next.</summary>
    public List<(ConfigKey Key, string Md5)> SourceChanges { get; } = [];

    public DateTimeOffset? OldestPending { get; private set; }

    public IReadOnlyList<SyncError> Errors => _errors;

    /// <summary>Keys named by errors (a failed write is no stale cache to refresh).</summary>
    public IEnumerable<string> ErrorKeys => _errors.Select(e => e.Key).OfType<string>();

    /// <summary>Differences by key, filled in dry runs only (plan, verify): a run that applies keeps its memory flat.</summary>
    public List<SyncDifference> Differences { get; } = [];

    /// <summary>Target natives this task would never touch: reported apart, never drift.</summary>
    public List<string> LeftAlone { get; } = [];

    /// <summary>Whether <see cref="Found"/> lists what it is given (dry runs only).</summary>
    public bool ListDifferences { get; set; }

    private long _removalsFound;

    /// <summary>One difference found: counted as drift, and listed by key in dry runs.</summary>
    public void Found(SyncDifference difference)
    {
        ArgumentNullException.ThrowIfNull(difference);
        Drift++;
        if (difference.Kind == "remove")
        {
            _removalsFound++;
        }

        if (ListDifferences)
        {
            Differences.Add(difference);
        }
    }

    /// <summary>
    /// Target configs the source lacks but the task never wrote (natives): no drift, since the task would never touch
    /// them; listed apart. Only removals this run counted as found (a full run's diff) are taken back out of the drift.
    /// </summary>
    public void LeftAloneNatives(IReadOnlyCollection<ConfigKey> natives)
    {
        ArgumentNullException.ThrowIfNull(natives);
        var counted = Math.Min(natives.Count, _removalsFound);
        Drift -= counted;
        _removalsFound -= counted;
        var keys = natives.Select(k => k.ToString()).ToHashSet(StringComparer.Ordinal);
        Differences.RemoveAll(d => d.Kind == "remove" && keys.Contains(d.Key));
        LeftAlone.AddRange(keys.Order(StringComparer.Ordinal));
    }

    public void Error(SyncStage stage, string message, string? key = null) => _errors.Add(new SyncError(stage, message, key));

    /// <summary>An error of the whole run; <paramref name="unreachable"/> when a cluster could not be reached or refused us (the CLI's exit code 4).</summary>
    public void Error(SyncStage stage, string message, bool unreachable) => _errors.Add(new SyncError(stage, message, Unreachable: unreachable));

    /// <summary>One change applied (or planned, in a dry run).</summary>
    public void Applied(string tenant, ConfigChangeKind kind)
    {
        var n = Namespace(tenant);
        switch (kind)
        {
            case ConfigChangeKind.Add:
                n.Added++;
                break;
            case ConfigChangeKind.Update:
                n.Updated++;
                break;
            default:
                n.Removed++;
                break;
        }
    }

    /// <summary>One change that failed to apply; the error names the key.</summary>
    public void FailedOn(ConfigKey key, SyncStage stage, string message)
    {
        Failed++;
        Error(stage, message, key.ToString());
    }

    /// <summary>Changes held back (a guard, or a native target config left alone).</summary>
    public void RefusedIn(string tenant, long count)
    {
        Refused += count;
        Namespace(tenant).Refused += count;
    }

    public void Tripped(string reason) => GuardTripped = GuardTripped is null ? reason : GuardTripped + "; " + reason;

    public void StillPendingSince(DateTimeOffset changedAt) => OldestPending = OldestPending is { } o && o < changedAt ? o : changedAt;

    public SyncRunResult ToResult(string taskName, SyncMode mode, TimeSpan duration) => new()
    {
        TaskName = taskName,
        Kind = SyncKind.Config,
        Mode = mode,
        Read = Read,
        Added = _namespaces.Values.Sum(n => n.Added),
        Updated = _namespaces.Values.Sum(n => n.Updated),
        Removed = _namespaces.Values.Sum(n => n.Removed),
        Refused = Refused,
        Failed = Failed,
        Drift = Drift,
        GuardTripped = GuardTripped,
        Errors = _errors,
        Namespaces = [.. _namespaces.OrderBy(n => n.Key, StringComparer.Ordinal)
            .Select(n => new NamespaceCounts(n.Key.Length == 0 ? "public" : n.Key, n.Value.Added, n.Value.Updated, n.Value.Removed, n.Value.Refused))],
        ChangeLatencies = Latencies,
        Differences = Differences,
        LeftAlone = LeftAlone,
        OldestPendingChange = OldestPending,
        Duration = duration,
    };

    private NamespaceTally Namespace(string tenant)
    {
        if (!_namespaces.TryGetValue(tenant, out var n))
        {
            _namespaces[tenant] = n = new NamespaceTally();
        }

        return n;
    }

    private sealed class NamespaceTally
    {
        public long Added { get; set; }

        public long Updated { get; set; }

        public long Removed { get; set; }

        public long Refused { get; set; }
    }
}
