namespace NacosSync.Core.Config;

/// <summary>A target key still to be proven on every node (md5, or absent when <see cref="Md5"/> is null) or, when
/// <see cref="RetryDelete"/>, a removal that failed and is tried again.</summary>
/// <param name="ChangedAt">When the source change happened (UTC, estimated by <see cref="ConfigChangeClock"/>); null when unknown.</param>
/// <param name="SourceKey">For a removal to retry: the source key whose absence it follows (checked again before the retry).</param>
public sealed record PendingConfig(ConfigKey Key, string? Md5, DateTimeOffset? ChangedAt, bool RetryDelete = false, ConfigKey? SourceKey = null);

/// <summary>What the writer does with one upsert the diff found.</summary>
public enum UpsertDecision
{
    /// <summary>Write it (an addition, an update of a config this task owns, or mirror mode).</summary>
    Apply,

    /// <summary>Leave it: the target's own (native) config under the same key is not overwritten.</summary>
    LeaveNative,
}

/// <summary>
/// The pure part of a config run's plan: which upserts and removals the task may carry out given what it
/// owns, which keys carry over to the next run, and which target keys are in the task's scope.
/// </summary>
public static class ConfigPlan
{
    /// <summary>
    /// An addition is always applied; an update only when the task owns the target config (it wrote it) or
    /// mirrors the source (<c>Config:MirrorDeletes</c>): a config created natively in the target under the
    /// same key is left as it is, so it never becomes owned and is never deleted later.
    /// </summary>
    public static UpsertDecision Upsert(ConfigChangeKind kind, bool owned, bool mirror) =>
        kind == ConfigChangeKind.Add || owned || mirror ? UpsertDecision.Apply : UpsertDecision.LeaveNative;

    /// <summary>Removal candidates the task may remove: those it owns, or all of them in mirror mode.</summary>
    public static IReadOnlyList<ConfigKey> Removable(IEnumerable<ConfigKey> candidates, IReadOnlySet<ConfigKey> owned, bool mirror)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(owned);
        return [.. candidates.Distinct().Where(k => mirror || owned.Contains(k))];
    }

    /// <summary>
    /// What the next run must prove or retry: this run's unproven keys, plus the earlier pending keys this run
    /// neither wrote again nor proved. A key written again this run replaces its earlier entry (its new md5 wins).
    /// Nothing is dropped, however many.
    /// </summary>
    /// <param name="previous">Pending keys loaded at the start of the run.</param>
    /// <param name="handled">Keys this run wrote, removed or proved (converged or not).</param>
    /// <param name="stillPending">Keys this run wrote or re-checked and could not prove, or whose removal failed.</param>
    public static IReadOnlyList<PendingConfig> CarryOver(IEnumerable<PendingConfig> previous, IReadOnlySet<ConfigKey> handled, IEnumerable<PendingConfig> stillPending)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(handled);
        ArgumentNullException.ThrowIfNull(stillPending);
        var next = new Dictionary<ConfigKey, PendingConfig>();
        foreach (var p in previous)
        {
            if (!handled.Contains(p.Key))
            {
                next[p.Key] = p;
            }
        }

        foreach (var p in stillPending)
        {
            // Keep the earliest change time: the lag of a key counts from the change not yet visible.
            next[p.Key] = next.TryGetValue(p.Key, out var old) && old.ChangedAt < p.ChangedAt ? p with { ChangedAt = old.ChangedAt } : p;
        }

        return [.. next.Values.OrderBy(p => p.Key, ConfigKeyComparer.Instance)];
    }

    /// <summary>
    /// Pending keys to prove again this run: those it did not write again (a key written again is proven with its new
    /// md5); and removals to retry: those whose key this run's changes do not cover (a newer change of the key decides).
    /// </summary>
    public static (IReadOnlyList<PendingConfig> Prove, IReadOnlyList<PendingConfig> RetryDeletes) Resume(IEnumerable<PendingConfig> previous,
        IReadOnlySet<ConfigKey> writtenThisRun, IReadOnlySet<ConfigKey> changedThisRun)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(writtenThisRun);
        ArgumentNullException.ThrowIfNull(changedThisRun);
        var all = previous.ToList();
        return ([.. all.Where(p => !p.RetryDelete && !writtenThisRun.Contains(p.Key))], [.. all.Where(p => p.RetryDelete && !changedThisRun.Contains(p.Key))]);
    }

    /// <summary>
    /// Whether a target key lies in the task's scope, judged on the source group it came from (the reverse of the
    /// group mapping) and its dataId, like the forward copy: used where target rows are read without a source
    /// counterpart (beta/tag/gray rows), so a mirror-mode removal never reaches a group the filter excludes.
    /// </summary>
    public static bool InScope(ConfigKey targetKey, IReadOnlyDictionary<string, string> groups, ConfigKeyFilter filter)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(filter);
        var sources = groups.Where(g => string.Equals(g.Value, targetKey.Group, StringComparison.Ordinal)).Select(g => g.Key).ToList();
        if (sources.Count == 0)
        {
            // An unmapped group keeps its name, unless that name is itself mapped away (then nothing lands here from it).
            return !groups.ContainsKey(targetKey.Group) && filter.Matches(targetKey.Group, targetKey.DataId);
        }

        return sources.Any(s => filter.Matches(s, targetKey.DataId));
    }
}
