using Microsoft.Extensions.Logging;
using NacosSync.Core.Naming;
using NacosSync.Core.Options;

namespace NacosSync.Engine.Naming;

/// <summary>A full run's plan: the changes, what each target namespace's read was worth, and what is wanted where.</summary>
internal sealed record FullRunPlan(
    IReadOnlyList<NamingChange> Changes,
    IReadOnlyList<NamespaceReadState> ReadStates,
    IReadOnlyDictionary<string, IReadOnlyList<NamingInstance>> Wanted,
    IReadOnlyDictionary<string, IReadOnlySet<InstanceAddress>> Conflicted,
    IReadOnlyList<ServiceSnapshot> SourceServices,
    long Owned,
    bool Complete)
{
    /// <summary>Whether a replica lies in a namespace whose source was read completely (removal clocks run only there).</summary>
    public bool Examined(InstanceAddress address) => ReadStates.Any(s => s.SourceComplete && s.TargetNamespace == address.Service.Namespace);
}

/// <summary>
/// The plan stage of a full run: maps each source namespace to the replicas wanted and diffs them
/// against the target (<see cref="NamingDiff"/>, Core), reporting conflicts and replicas no task owns.
/// </summary>
internal static partial class FullRunPlanner
{
    public static FullRunPlan Plan(NamingTask task, IReadOnlyList<string> sourceNamespaces, IReadOnlyList<NamespacePair> reads,
        IReadOnlyDictionary<string, SyncTaskOptions> tasks, ILogger logger)
    {
        var changes = new List<NamingChange>();
        var states = new List<NamespaceReadState>();
        var wanted = new Dictionary<string, IReadOnlyList<NamingInstance>>(StringComparer.Ordinal);
        var conflicted = new Dictionary<string, IReadOnlySet<InstanceAddress>>(StringComparer.Ordinal);
        var sourceServices = new List<ServiceSnapshot>();
        long owned = 0;
        foreach (var pair in reads)
        {
            var targetNamespace = pair.Target.Namespace;
            var replicas = task.Mapper.ToReplicas(pair.Source.Services).ToList();
            var plan = NamingDiff.Compute(replicas, pair.Target.Services.SelectMany(s => s.Instances), task.Owner, compareHealth: true);
            owned += plan.OwnedTotal;
            states.Add(new NamespaceReadState(targetNamespace, pair.Source.Complete, pair.Source.Complete && pair.Source.InstanceCount == 0 && plan.OwnedTotal > 0));
            wanted[targetNamespace] = replicas;
            conflicted[targetNamespace] = pair.Target.Services.SelectMany(s => s.Instances).Where(i => !task.Owner.Owns(i.Metadata)).Select(i => i.Key.Address).ToHashSet();
            sourceServices.AddRange(pair.Source.Services.Where(s => task.Mapper.InScope(s.Key)));
            foreach (var conflict in plan.Conflicts)
            {
                LogConflict(logger, task.Name, conflict.Wanted.Key);
            }

            ReportOrphans(task, targetNamespace, pair.Target, tasks, logger);
            changes.AddRange(plan.Changes);
        }

        var complete = reads.Count == sourceNamespaces.Count && reads.All(r => r.Source.Complete);
        return new FullRunPlan(changes, states, wanted, conflicted, sourceServices, owned, complete);
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
