using System.Globalization;
using NacosSync.Core.Options;

namespace NacosSync.Core.Config;

/// <summary>Whether a run may carry out its removals, and if not, why.</summary>
public sealed record GuardDecision(bool Allowed, string? Reason)
{
    public static GuardDecision Allow { get; } = new(true, null);
}

/// <summary>
/// The same guards as naming: no removals after a failed or partial read, none that would empty a
/// namespace whose source read empty (unless allowed), and no more than
/// max(<see cref="GuardOptions.DeletionAllowance"/>, <see cref="GuardOptions.MaxDeletionRatio"/> × replicas) per run.
/// </summary>
public static class ConfigDeletionGuard
{
    /// <param name="removals">Removals the run planned.</param>
    /// <param name="targetCount">Target configs in the task's scope that removals count against (owned, or all in mirror mode).</param>
    /// <param name="sourceCount">Source configs read in scope.</param>
    /// <param name="readsComplete">False when any read of either side failed or stopped early.</param>
    /// <param name="options">The task's guards.</param>
    /// <param name="allowDeletions">The operator's one-run override (<c>--allow-deletions</c>).</param>
    public static GuardDecision Evaluate(long removals, long targetCount, long sourceCount, bool readsComplete, GuardOptions options, bool allowDeletions)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (removals == 0)
        {
            return GuardDecision.Allow;
        }

        if (!readsComplete)
        {
            return new GuardDecision(false, string.Create(CultureInfo.InvariantCulture,
                $"{removals} removal(s) refused: a read failed or was partial this run"));
        }

        if (allowDeletions)
        {
            return GuardDecision.Allow;
        }

        if (sourceCount == 0 && !options.AllowEmptySource)
        {
            return new GuardDecision(false, string.Create(CultureInfo.InvariantCulture,
                $"{removals} removal(s) refused: the source read empty while the target holds {targetCount} config(s) (Guards.AllowEmptySource is false)"));
        }

        var cap = Math.Max(options.DeletionAllowance, (long)Math.Floor(options.MaxDeletionRatio * targetCount));
        if (removals > cap)
        {
            return new GuardDecision(false, string.Create(CultureInfo.InvariantCulture,
                $"{removals} removal(s) refused: more than the cap of {cap} (max({options.DeletionAllowance}, {options.MaxDeletionRatio:0.###} x {targetCount}))"));
        }

        return GuardDecision.Allow;
    }
}
