using Microsoft.Extensions.Logging;
using NacosSync.Core.Naming;
using NacosSync.Core.Options;

namespace NacosSync.Engine.Naming;

/// <summary>
/// One namespace's plan in a full run: the changes, what its read was worth, the replicas wanted there, the
/// addresses native instances hold, and the source services' baselines. A full run plans, writes and drops one
/// namespace at a time, so this is the most of both sides it holds at once.
/// </summary>
internal sealed record NamespacePlan(
    string TargetNamespace,
    IReadOnlyList<NamingChange> Changes,
    NamespaceReadState ReadState,
    IReadOnlyList<NamingInstance> Wanted,
    IReadOnlySet<InstanceAddress> Conflicted,
    IReadOnlyList<ServiceBaseline> Baselines,
    long Owned)
{
    /// <summary>The removals planned here: they wait for the guard, which judges the whole task once every namespace is read.</summary>
    public IEnumerable<NamingChange> Removals => Changes.Where(c => c.Kind == NamingChangeKind.Remove);

    /// <summary>Adds and updates: these always pass the guard, so they are written as soon as their namespace is planned.</summary>
    public IReadOnlyList<NamingChange> Writes => [.. Changes.Where(c => c.Kind != NamingChangeKind.Remove)];
}

/// <summary>
/// The plan stage of a full run, one namespace at a time: maps the source namespace to the replicas wanted and
/// diffs them against the target (<see cref="NamingDiff"/>, Core), reporting conflicts and replicas no task owns.
/// </summary>
internal static partial class FullRunPlanner
{
    public static NamespacePlan Plan(NamingTask task, NamespacePair pair, IReadOnlyDictionary<string, SyncTaskOptions> tasks, ILogger logger)
    {
        var targetNamespace = pair.Target.Namespace;
        var replicas = task.Mapper.ToReplicas(pair.Source.Services).ToList();
        var targetInstances = pair.Target.Services.SelectMany(s => s.Instances);
        var plan = NamingDiff.Compute(replicas, targetInstances, task.Owner, compareHealth: true);
        var state = new NamespaceReadState(targetNamespace, pair.Source.Complete, pair.Source.Complete && pair.Source.InstanceCount == 0 && plan.OwnedTotal > 0);
        var conflicted = targetInstances.Where(i => !task.Owner.Owns(i.Metadata)).Select(i => i.Key.Address).ToHashSet();
        var baselines = pair.Source.Services.Where(s => task.Mapper.InScope(s.Key)).Select(ServiceBaseline.Of).ToList();
        foreach (var conflict in plan.Conflicts)
        {
            LogConflict(logger, task.Name, conflict.Wanted.Key);
        }

        ReportOrphans(task, targetNamespace, pair.Target, tasks, logger);
        return new NamespacePlan(targetNamespace, plan.Changes, state, replicas, conflicted, baselines, plan.OwnedTotal);
    }

    /// <summary>
    /// Replicas that name this target's sources but no configured task, or this task with another origin
    /// cluster id: left over by a renamed task or a changed ClusterId. They are never touched; saying so once
    /// per full run keeps them from being orphaned silently.
    /// </summary>
    private static void ReportOrphans(NamingTask task, string targetNamespace, NamespaceSnapshot target, IReadOnlyDictionary<string, SyncTaskOptions> tasks, ILogger logger)
    {
        foreach (var group in target.Services.SelectMany(s => s.Instances)
            .Where(i => i.Metadata.TryGetValue(ReplicaOwner.TaskKey, out var t) && !task.Owner.Owns(i.Metadata) && (!tasks.ContainsKey(t) || t == task.Name))
            .GroupBy(i => (Task: i.Metadata[ReplicaOwner.TaskKey], Origin: i.Metadata.GetValueOrDefault(ReplicaOwner.OriginClusterKey) ?? "")))
        {
            LogOrphans(logger, task.Name, group.Count(), targetNamespace, group.Key.Task, group.Key.Origin);
        }
    }

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Task {Task}: {Replica} not written: an instance this task does not own holds that address in the target")]
    private static partial void LogConflict(ILogger logger, string task, InstanceKey replica);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Warning, Message = "Task {Task}: {Count} replica(s) in target namespace '{Namespace}' carry task '{OtherTask}' and origin '{Origin}', which no configured task owns (a renamed task or a changed ClusterId?); they are left alone: ephemeral ones expire 30 s after their beats stop, persistent ones stay until removed")]
    private static partial void LogOrphans(ILogger logger, string task, int count, string @namespace, string otherTask, string origin);
}
