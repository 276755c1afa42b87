using NacosSync.Core.State;
using NacosSync.Core.Sync;
using Quartz;

namespace NacosSync.Hosting.Jobs;

/// <summary>
/// The complete diff and apply of one task and kind (cron schedule; once by each new owner of the task;
/// on demand). Runs on the task's owner only: fired on another replica (Quartz failing a pinned trigger
/// over), it is handed to the live owner as a one-off, or dropped when there is none (the next owner
/// reconciles with a full run of its own as it takes over). A takeover's run is never handed on: it
/// belongs to the change of hands that stored it (see <see cref="Decide"/>).
/// </summary>
[DisallowConcurrentExecution]
internal sealed class FullSyncJob(SyncJobExecutor executor, ITaskOwnership ownership, ReconciliationGate reconciliation, TimeProvider timeProvider,
    ITaskLeaseStore? leases = null) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var (task, kind) = SyncJobData.Read(context);
        var data = context.MergedJobDataMap;
        var allowDeletions = data.TryGetValue(SyncJobForwarding.AllowDeletionsKey, out var value) && value is "true";
        var takeover = data.TryGetValue(SyncJobForwarding.ReasonKey, out var reason) && reason is SyncJobForwarding.TakeoverReason;
        switch (Decide(ownership.IsOwner(task), reconciliation.IsReconciled(task, kind), takeover))
        {
            case FullFiring.Run:
                await executor.RunAsync(task, kind, SyncMode.Full, new SyncRunRequest(AllowDeletions: allowDeletions), cancellationToken);
                break;
            case FullFiring.HandToOwner:
                if (leases is not null && await leases.GetAsync(task, cancellationToken) is { Owner: { } owner } lease && !lease.IsFree(timeProvider.GetUtcNow()))
                {
                    await SyncJobForwarding.ScheduleFullRunAsync(context.Scheduler, task, kind, owner, allowDeletions, "forwarded", cancellationToken);
                }

                break;
            case FullFiring.Drop:
                break;
        }
    }

    /// <summary>
    /// What a firing does here. A takeover's run (<paramref name="takeover"/>) is the one full run its change of hands owes:
    /// fired where the task is no longer owned, it is dropped, since the task's next owner stored its own and a copy handed
    /// to it would be a second; fired on an owner that has had a full run since it took the task (a cron firing came
    /// first, or the one-off of an earlier tenure here), it is dropped too. Any other firing runs on the owner and is
    /// handed to the owner from elsewhere.
    /// </summary>
    internal static FullFiring Decide(bool ownedHere, bool reconciledHere, bool takeover) => (ownedHere, takeover) switch
    {
        (true, true) => reconciledHere ? FullFiring.Drop : FullFiring.Run,
        (true, false) => FullFiring.Run,
        (false, true) => FullFiring.Drop,
        (false, false) => FullFiring.HandToOwner,
    };
}

/// <summary>What a firing of a <see cref="FullSyncJob"/> does on the replica it fired on.</summary>
internal enum FullFiring
{
    Run,
    HandToOwner,
    Drop,
}

/// <summary>Applies the source changes since the checkpoint (interval schedule); on the task's owner only, skipped elsewhere.</summary>
[DisallowConcurrentExecution]
internal sealed class IncrementalSyncJob(SyncJobExecutor executor, ITaskOwnership ownership) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var (task, kind) = SyncJobData.Read(context);
        if (ownership.IsOwner(task))
        {
            await executor.RunAsync(task, kind, SyncMode.Incremental, SyncRunRequest.Default, cancellationToken);
        }
    }
}

internal static class SyncJobData
{
    public const string TaskKey = "task";
    public const string KindKey = "kind";
    public const string Group = "nacos-sync";

    public static JobKey JobKey(string task, SyncKind kind, SyncMode mode) => new($"{task}.{kind.Name()}.{mode.Name()}", Group);

    public static (string Task, SyncKind Kind) Read(IJobExecutionContext context)
    {
        var data = context.MergedJobDataMap;
        var task = data.TryGetValue(TaskKey, out var t) && t is string taskName ? taskName
            : throw new InvalidOperationException($"job {context.JobDetail.Key} has no '{TaskKey}' data");
        var kind = data.TryGetValue(KindKey, out var k) && k is string kindName && Enum.TryParse<SyncKind>(kindName, out var parsed) ? parsed
            : throw new InvalidOperationException($"job {context.JobDetail.Key} has no valid '{KindKey}' data");
        return (task, kind);
    }
}
