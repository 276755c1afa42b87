using System.Collections.Concurrent;
using NacosSync.Core.Sync;

namespace NacosSync.Hosting.Jobs;

/// <summary>
/// Holds a task's incremental runs back until this replica has run the task's full run since it last took the task
/// (the start-up run; with high availability, the takeover's one-off). Without it, an incremental tick that comes
/// first finds no checkpoint and runs a full of its own (the runner's first-run fallback) while the start-up run
/// waits behind it: two full runs where there should be one. A lost task (<see cref="TaskLost"/>) starts a new
/// tenure, so the next time the task is taken its incrementals wait for that change of hands' own full run.
/// </summary>
/// <remarks>
/// Only a full run that ends opens the gate, whatever its outcome: after a failed one the incremental ticks retry
/// through the runner's fallback, as they did before the first run existed. A full run that started in an earlier
/// tenure opens nothing: the tenure is compared, not a flag, so a loss while it runs cannot be overwritten by it.
/// </remarks>
internal sealed class ReconciliationGate
{
    private readonly ConcurrentDictionary<string, long> _tenures = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Task, SyncKind Kind), long> _reconciledIn = new();

    /// <summary>The task's current tenure on this replica (0 until it is first lost); captured as a full run starts.</summary>
    public long Tenure(string task) => _tenures.GetValueOrDefault(task);

    /// <summary>Whether a full run of the task and kind has ended in the current tenure, so incremental runs may go.</summary>
    public bool IsReconciled(string task, SyncKind kind) =>
        _reconciledIn.TryGetValue((task, kind), out var tenure) && tenure == Tenure(task);

    /// <summary>A full run that started in <paramref name="tenure"/> ended (any outcome).</summary>
    public void FullRunEnded(string task, SyncKind kind, long tenure) =>
        _reconciledIn.AddOrUpdate((task, kind), tenure, (_, earlier) => Math.Max(earlier, tenure));

    /// <summary>This replica no longer owns the task: whoever takes it next, here or elsewhere, reconciles first.</summary>
    public void TaskLost(string task) => _tenures.AddOrUpdate(task, 1, (_, tenure) => tenure + 1);
}
