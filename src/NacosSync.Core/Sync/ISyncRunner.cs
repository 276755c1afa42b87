namespace NacosSync.Core.Sync;

/// <summary>
/// Runs one kind of sync (naming or config) for one task: the loop of the house style
/// (refuse source == target → load checkpoint → read → diff → guard → apply → verify → save checkpoint).
/// Implemented by the adapters' composition (Hosting); called by the Quartz jobs and the CLI.
/// </summary>
public interface ISyncRunner
{
    SyncKind Kind { get; }

    /// <summary>Runs once. Never throws for a sync failure: failures are in the result. Throws only on cancellation.</summary>
    Task<SyncRunResult> RunAsync(string taskName, SyncMode mode, SyncRunRequest request, CancellationToken cancellationToken);
}

/// <summary>How a run is asked for.</summary>
/// <param name="DryRun">Plan only: read and diff, write nothing (the CLI's <c>plan</c>).</param>
/// <param name="AllowDeletions">Lets this one run pass the deletion guards (the CLI's <c>--allow-deletions</c>).</param>
/// <param name="Namespace">Only this source namespace; null for all.</param>
/// <param name="CheckTargetCaches">Config: also ask every target node whether it serves each source config's md5 (the CLI's <c>verify</c>).</param>
public sealed record SyncRunRequest(bool DryRun = false, bool AllowDeletions = false, string? Namespace = null, bool CheckTargetCaches = false)
{
    public static SyncRunRequest Default { get; } = new();
}
