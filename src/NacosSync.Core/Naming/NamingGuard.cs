using System.Globalization;
using NacosSync.Core.Options;

namespace NacosSync.Core.Naming;

/// <summary>What the guard knows about a run besides its plan.</summary>
/// <param name="IncompleteNamespaces">Target namespaces whose source read failed, timed out or was partial.</param>
/// <param name="EmptySourceNamespaces">Target namespaces whose source read was complete but held no instance to copy.</param>
/// <param name="OwnedTotal">Replicas the task owns in the target (all namespaces), the base of the ratio.</param>
/// <param name="FirstFullSyncDone">Whether a complete full sync has finished before (persisted).</param>
/// <param name="AllowDeletions">The operator's one-off permission (CLI <c>--allow-deletions</c>).</param>
internal sealed record NamingGuardContext(
    IReadOnlySet<string> IncompleteNamespaces,
    IReadOnlySet<string> EmptySourceNamespaces,
    int OwnedTotal,
    bool FirstFullSyncDone,
    bool AllowDeletions);

/// <summary>The plan after the guard: what may be applied, what was held back and why.</summary>
internal sealed record GuardedNamingPlan(IReadOnlyList<NamingChange> Allowed, IReadOnlyList<NamingChange> Refused, string? Reason)
{
    public bool Tripped => Reason is not null;
}

/// <summary>
/// Holds back removals that could be the product of a bad read or a bad day. Adds and updates always
/// pass. In order: never remove in a namespace whose source read failed or was partial (no override);
/// nothing before the first complete full sync; nothing in a namespace whose source suddenly reads
/// empty; and nothing at all when the run would remove more than the allowed share of owned replicas.
/// The last three yield to <see cref="NamingGuardContext.AllowDeletions"/>; the empty-source one
/// also to <see cref="GuardOptions.AllowEmptySource"/>.
/// </summary>
internal static class NamingGuard
{
    public static GuardedNamingPlan Apply(IReadOnlyList<NamingChange> changes, NamingGuardContext context, GuardOptions options)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var allowed = new List<NamingChange>(changes.Count);
        var refused = new List<NamingChange>();
        var reasons = new List<string>();
        var removals = new List<NamingChange>();
        foreach (var change in changes)
        {
            (change.Kind == NamingChangeKind.Remove ? removals : allowed).Add(change);
        }

        if (removals.Count == 0)
        {
            return new GuardedNamingPlan(allowed, refused, null);
        }

        var incomplete = removals.Where(r => context.IncompleteNamespaces.Contains(r.Namespace)).ToList();
        if (incomplete.Count > 0)
        {
            refused.AddRange(incomplete);
            reasons.Add($"{incomplete.Count} removal(s) refused in namespace(s) {Names(incomplete)} whose source read failed or was incomplete");
            removals = [.. removals.Except(incomplete)];
        }

        if (removals.Count > 0 && !context.FirstFullSyncDone && !context.AllowDeletions)
        {
            refused.AddRange(removals);
            reasons.Add($"{removals.Count} removal(s) refused: no complete full sync has finished yet");
            removals = [];
        }

        if (removals.Count > 0 && !options.AllowEmptySource && !context.AllowDeletions)
        {
            var empty = removals.Where(r => context.EmptySourceNamespaces.Contains(r.Namespace)).ToList();
            if (empty.Count > 0)
            {
                refused.AddRange(empty);
                reasons.Add($"{empty.Count} removal(s) refused: source namespace(s) {Names(empty)} read empty while replicas exist (Guards:AllowEmptySource or --allow-deletions to allow)");
                removals = [.. removals.Except(empty)];
            }
        }

        if (removals.Count > 0 && !context.AllowDeletions)
        {
            var limit = Math.Max(options.DeletionAllowance, (int)Math.Floor(options.MaxDeletionRatio * context.OwnedTotal));
            if (removals.Count > limit)
            {
                refused.AddRange(removals);
                reasons.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{removals.Count} removal(s) of {context.OwnedTotal} owned replicas refused: more than the limit {limit} (Guards:MaxDeletionRatio {options.MaxDeletionRatio:0.###}, Guards:DeletionAllowance {options.DeletionAllowance}); run once with --allow-deletions to allow"));
                removals = [];
            }
        }

        allowed.AddRange(removals);
        return new GuardedNamingPlan(allowed, refused, reasons.Count == 0 ? null : string.Join("; ", reasons));
    }

    private static string Names(IEnumerable<NamingChange> changes) =>
        string.Join(", ", changes.Select(c => c.Namespace).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(n => $"'{n}'"));
}
