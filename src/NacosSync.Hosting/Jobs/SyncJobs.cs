using NacosSync.Core.Sync;
using Quartz;

namespace NacosSync.Hosting.Jobs;

/// <summary>The complete diff and apply of one task and kind (cron schedule, and once at start).</summary>
[DisallowConcurrentExecution]
internal sealed class FullSyncJob(SyncJobExecutor executor) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var (task, kind) = SyncJobData.Read(context);
        await executor.RunAsync(task, kind, SyncMode.Full, SyncRunRequest.Default, cancellationToken);
    }
}

/// <summary>Applies the source changes since the checkpoint (interval schedule).</summary>
[DisallowConcurrentExecution]
internal sealed class IncrementalSyncJob(SyncJobExecutor executor) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var (task, kind) = SyncJobData.Read(context);
        await executor.RunAsync(task, kind, SyncMode.Incremental, SyncRunRequest.Default, cancellationToken);
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
