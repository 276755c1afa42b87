using System.Globalization;
using NacosSync.Core.Options;

namespace NacosSync.Core.Sync;

/// <summary>What a run knows about one target namespace in which it plans removals.</summary>
/// <param name="Namespace">The target namespace.</param>
/// <param name="Planned">Removals the run planned there.</param>
/// <param name="SourceReadComplete">False when the source read of this namespace failed, timed out or stopped early.</param>
/// <param name="SourceReadEmpty">True when the source read was complete and held nothing in scope.</param>
public sealed record NamespaceDeletions(string Namespace, int Planned, bool SourceReadComplete, bool SourceReadEmpty);

/// <summary>What a run knows about the task besides its namespaces.</summary>
/// <param name="Owned">Objects the task may remove in the target now (owned ones, or all in mirror mode), across the run's namespaces: the base of the ratios.</param>
/// <param name="FirstFullSyncDone">Whether a complete full sync has finished before (persisted).</param>
/// <param name="AllowDeletions">The operator's one-run permission (<c>--allow-deletions</c>); never lifts the failed-read rule.</param>
/// <param name="RemovedInWindow">Removals already applied within <see cref="GuardOptions.DeletionWindow"/> before this run.</param>
public sealed record DeletionContext(long Owned, bool FirstFullSyncDone, bool AllowDeletions, long RemovedInWindow);

/// <summary>The policy's answer: the namespaces whose removals may go ahead, and why the others may not.</summary>
/// <param name="Allowed">Target namespaces whose planned removals may all be applied.</param>
/// <param name="Refused">Target namespace → the reason its removals were held back.</param>
/// <param name="Reason">All reasons in one line; null when nothing was refused.</param>
/// <param name="PolicyTripped">True when a policy rule (not only a failed read, already an error of its own) held removals back: the guard-trip metric.</param>
public sealed record DeletionVerdict(IReadOnlySet<string> Allowed, IReadOnlyDictionary<string, string> Refused, string? Reason, bool PolicyTripped)
{
    /// <summary>
    /// The refused namespaces whose source read was complete: held back by a policy rule (2–5) that a later run may
    /// lift (the window passes, the operator allows it). A caller that will not see these removals again by itself
    /// keeps them to be judged again; namespaces refused for a failed read are not in it (nothing lifts that rule).
    /// </summary>
    public IReadOnlySet<string> HeldByPolicy { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public bool Allows(string targetNamespace) => Allowed.Contains(targetNamespace);

    public long RefusedCount(IEnumerable<NamespaceDeletions> namespaces) => namespaces.Where(n => Refused.ContainsKey(n.Namespace)).Sum(n => (long)n.Planned);
}

/// <summary>
/// The one deletion policy of every kind of sync, judged per namespace. In order:
/// <list type="number">
/// <item>no removals in a namespace whose source read failed or was partial (nothing lifts this);</item>
/// <item>none before the first complete full sync;</item>
/// <item>none in a namespace whose source reads empty (unless <see cref="GuardOptions.AllowEmptySource"/>);</item>
/// <item>none at all when the run would remove more than max(<see cref="GuardOptions.DeletionAllowance"/>,
/// <see cref="GuardOptions.MaxDeletionRatio"/> × owned);</item>
/// <item>none at all when, with what was removed within <see cref="GuardOptions.DeletionWindow"/>, the window would
/// remove more than max(allowance, <see cref="GuardOptions.MaxDeletionRatioPerWindow"/> × what was owned when the
/// window began): a flapping source must not drain the target a few runs at a time.</item>
/// </list>
/// Rules 2–5 yield to <see cref="DeletionContext.AllowDeletions"/>.
/// </summary>
public static class DeletionPolicy
{
    public static DeletionVerdict Judge(IReadOnlyCollection<NamespaceDeletions> namespaces, DeletionContext context, GuardOptions options)
    {
        ArgumentNullException.ThrowIfNull(namespaces);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var refused = new Dictionary<string, string>(StringComparer.Ordinal);
        var reasons = new List<string>();
        var remaining = namespaces.Where(n => n.Planned > 0).ToList();

        Refuse(n => !n.SourceReadComplete, n => $"{n.Planned} removal(s) refused in namespace '{n.Namespace}': its source read failed or was incomplete");
        var failedRead = refused.Keys.ToHashSet(StringComparer.Ordinal);
        var policyTripped = false;
        if (!context.AllowDeletions)
        {
            var before = refused.Count;
            Refuse(_ => !context.FirstFullSyncDone, n => $"{n.Planned} removal(s) refused in namespace '{n.Namespace}': no complete full sync has finished yet");
            if (!options.AllowEmptySource)
            {
                Refuse(n => n.SourceReadEmpty, n => $"{n.Planned} removal(s) refused in namespace '{n.Namespace}': the source reads empty there (Guards:AllowEmptySource or --allow-deletions to allow)");
            }

            var total = remaining.Sum(n => (long)n.Planned);
            var perRun = Cap(options.MaxDeletionRatio, context.Owned, options.DeletionAllowance);
            var windowBase = context.Owned + context.RemovedInWindow;
            var perWindow = Cap(options.MaxDeletionRatioPerWindow, windowBase, options.DeletionAllowance);
            if (total > perRun)
            {
                var reason = string.Create(CultureInfo.InvariantCulture,
                    $"{total} removal(s) of {context.Owned} owned refused: more than the per-run limit {perRun} (Guards:MaxDeletionRatio {options.MaxDeletionRatio:0.###}, Guards:DeletionAllowance {options.DeletionAllowance}); run once with --allow-deletions to allow");
                Refuse(_ => true, _ => reason, once: reason);
            }
            else if (options.DeletionWindow > TimeSpan.Zero && context.RemovedInWindow + total > perWindow)
            {
                var reason = string.Create(CultureInfo.InvariantCulture,
                    $"{total} removal(s) refused: with the {context.RemovedInWindow} removed in the last {options.DeletionWindow} they exceed the per-window limit {perWindow} (Guards:MaxDeletionRatioPerWindow {options.MaxDeletionRatioPerWindow:0.###} of {windowBase}); they go ahead once the window has passed, or run once with --allow-deletions");
                Refuse(_ => true, _ => reason, once: reason);
            }

            policyTripped = refused.Count > before;
        }

        return new DeletionVerdict(
            remaining.Select(n => n.Namespace).ToHashSet(StringComparer.Ordinal),
            refused,
            reasons.Count == 0 ? null : string.Join("; ", reasons),
            policyTripped)
        {
            HeldByPolicy = refused.Keys.Where(n => !failedRead.Contains(n)).ToHashSet(StringComparer.Ordinal),
        };

        void Refuse(Func<NamespaceDeletions, bool> rule, Func<NamespaceDeletions, string> why, string? once = null)
        {
            var hit = remaining.Where(rule).ToList();
            if (hit.Count == 0)
            {
                return;
            }

            foreach (var n in hit)
            {
                refused[n.Namespace] = why(n);
                if (once is null)
                {
                    reasons.Add(why(n));
                }
            }

            if (once is not null)
            {
                reasons.Add(once);
            }

            remaining = [.. remaining.Except(hit)];
        }
    }

    private static long Cap(double ratio, long owned, int allowance) => Math.Max(allowance, (long)Math.Floor(ratio * owned));
}

/// <summary>
/// Holds removals back until the object has been missing from the source for a grace period, so that
/// an instance that vanishes and comes back (a source node or client restarting) is never removed and
/// re-added. Pure: the caller keeps the first-missing times (in the run-state store) between runs.
/// </summary>
public static class RemovalGrace
{
    /// <param name="candidates">Keys the run would remove now.</param>
    /// <param name="firstMissing">When each key was first seen missing, from earlier runs.</param>
    /// <returns>The keys whose grace has passed, and the first-missing times to keep: candidates only (keys that reappeared drop out).</returns>
    public static (IReadOnlyList<string> Ripe, IReadOnlyDictionary<string, DateTimeOffset> FirstMissing) Split(
        IEnumerable<string> candidates, IReadOnlyDictionary<string, DateTimeOffset> firstMissing, DateTimeOffset now, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(firstMissing);
        var ripe = new List<string>();
        var keep = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var key in candidates)
        {
            var since = firstMissing.TryGetValue(key, out var at) ? at : now;
            keep[key] = since;
            if (now - since >= grace)
            {
                ripe.Add(key);
            }
        }

        return (ripe, keep);
    }
}
