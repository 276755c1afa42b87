namespace NacosSync.Core.Sync;

/// <summary>What one run of one task and kind did. Reported to logs, metrics and the CLI.</summary>
public sealed record SyncRunResult
{
    public required string TaskName { get; init; }

    public required SyncKind Kind { get; init; }

    public required SyncMode Mode { get; init; }

    /// <summary>Objects read from the source.</summary>
    public long Read { get; init; }

    public long Added { get; init; }

    public long Updated { get; init; }

    public long Removed { get; init; }

    /// <summary>Changes a guard held back (deletions refused).</summary>
    public long Refused { get; init; }

    /// <summary>Changes that failed to apply (each also in <see cref="Errors"/>).</summary>
    public long Failed { get; init; }

    /// <summary>Differences found between source and target before applying (full runs).</summary>
    public long Drift { get; init; }

    /// <summary>
    /// Each difference counted in <see cref="Drift"/>, by key (config dry runs, i.e. plan and verify;
    /// empty where a run applies, or a kind does not list them). Verify prints every one.
    /// </summary>
    public IReadOnlyList<SyncDifference> Differences { get; init; } = [];

    /// <summary>
    /// Target objects absent from the source that this task never touches (natives it does not own,
    /// with mirroring off): no drift and no failure, reported apart.
    /// </summary>
    public IReadOnlyList<string> LeftAlone { get; init; } = [];

    /// <summary>Set when a guard stopped the deletions of this run; says why, with the numbers.</summary>
    public string? GuardTripped { get; init; }

    /// <summary>Errors, each with its stage.</summary>
    public IReadOnlyList<SyncError> Errors { get; init; } = [];

    /// <summary>Per namespace counts, for the CLI's tables.</summary>
    public IReadOnlyList<NamespaceCounts> Namespaces { get; init; } = [];

    /// <summary>Seconds from a source change to its being visible in the target, one per change applied.</summary>
    public IReadOnlyList<double> ChangeLatencies { get; init; } = [];

    /// <summary>Time of the oldest source change not yet visible in the target at the end of the run; null when converged.</summary>
    public DateTimeOffset? OldestPendingChange { get; init; }

    public TimeSpan Duration { get; init; }

    /// <summary>True when nothing failed and no guard tripped.</summary>
    public bool Succeeded => Errors.Count == 0 && GuardTripped is null;
}

/// <summary>One difference between source and target: <c>add</c>, <c>update</c> or <c>remove</c>, and the target key.</summary>
public sealed record SyncDifference(string Kind, string Key);

/// <summary>One error of a run.</summary>
/// <param name="Unreachable">True when a cluster or database could not be reached at all (the CLI's exit code 4).</param>
public sealed record SyncError(SyncStage Stage, string Message, string? Key = null, bool Unreachable = false);

/// <summary>Planned or applied changes in one namespace.</summary>
public sealed record NamespaceCounts(string Namespace, long Added, long Updated, long Removed, long Refused);
