using NacosSync.Core.Sync;
using Quartz;

namespace NacosSync.Hosting.Jobs;

/// <summary>
/// One-off full runs stored in the (clustered) job store and pinned to a replica: a takeover's
/// reconciliation, a full firing that landed on a standby, and <c>trigger</c> / the admin API called
/// on a replica that does not own the task. Any replica may store one; the owner runs it.
/// </summary>
internal static class SyncJobForwarding
{
    public const string OneOffMarker = ".once.";
    public const string AllowDeletionsKey = "allowDeletions";

    /// <summary>Why the one-off was stored (<see cref="TakeoverReason"/>, <c>forwarded</c>, <c>admin</c>), in its job data.</summary>
    public const string ReasonKey = "reason";

    /// <summary>A new owner's reconciliation (<see cref="HighAvailability.TriggerHandover"/>): run once, by that owner only.</summary>
    public const string TakeoverReason = "takeover";

    /// <returns>The stored trigger's key.</returns>
    public static async Task<TriggerKey> ScheduleFullRunAsync(IScheduler scheduler, string task, SyncKind kind, string runOn, bool allowDeletions, string reason,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        var job = SyncJobData.JobKey(task, kind, SyncMode.Full);
        var key = new TriggerKey($"{job.Name}{OneOffMarker}{reason}.{Guid.NewGuid():N}", SyncJobData.Group);
        var trigger = TriggerBuilder.Create()
            .ForJob(job)
            .WithIdentity(key)
            .WithDescription($"one-off full run ({reason}) for {runOn}")
            .UsingJobData(AllowDeletionsKey, allowDeletions ? "true" : "false")
            .UsingJobData(ReasonKey, reason)
            .WithPreferredNode(PreferredNode.For(runOn))
            .StartNow()
            .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();
        await scheduler.ScheduleJob(trigger, new ScheduleJobOptions(), cancellationToken);
        return key;
    }
}
