using System.Collections.Concurrent;
using NacosSync.Core.Naming;
using NacosSync.Core.Options;
using NacosSync.Core.Sync;
using NacosSync.Nacos.Naming;
using NacosSync.Nacos.Transport;

namespace NacosSync.Engine.Naming;

/// <summary>One source namespace and the target namespace it maps to, as read by a full run.</summary>
internal sealed record NamespacePair(string SourceNamespace, NamespaceSnapshot Source, NamespaceSnapshot Target);

/// <summary>
/// Reads whole namespaces for full runs: the catalog in one call where the version has it, else the
/// service list and each service's instances with bounded concurrency. A read that fails, times out
/// or comes back partial is marked incomplete, never a reason to delete.
/// </summary>
internal static class NamespaceReader
{
    private const int ReadConcurrency = 16;

    /// <summary>The source namespaces of a run: the one asked for, the task's, or every one the source lists; null when listing failed.</summary>
    public static async Task<IReadOnlyList<string>?> SourceNamespacesAsync(NamingTask task, SyncRunRequest request, NamingRunTally tally, CancellationToken cancellationToken)
    {
        try
        {
            return request.Namespace is { } only ? [only]
                : task.Mapper.ConfiguredSourceNamespaces.Count > 0 ? task.Mapper.ConfiguredSourceNamespaces
                : [.. (await task.Source.ListNamespacesAsync(cancellationToken)).Select(n => n.Id)];
        }
        catch (NacosException ex)
        {
            tally.Error(SyncStage.ReadSource, $"listing source namespaces failed: {ex.Message}");
            return null;
        }
    }

    /// <summary>Reads one source namespace and its target namespace side by side; null (reported) when the target read failed.</summary>
    public static async Task<NamespacePair?> ReadPairAsync(NamingTask task, string sourceNamespace, NamingRunTally tally, CancellationToken cancellationToken)
    {
        var targetNamespace = task.Mapper.TargetNamespace(sourceNamespace);
        var sourceRead = ReadAsync(task.Source, sourceNamespace, defaultEphemeral: true, task.Mapper.InScope, KnownGroups(task.Options, target: false), cancellationToken);
        var targetRead = ReadAsync(task.Target, targetNamespace, task.Mapper.EphemeralReplicas, scope: null, KnownGroups(task.Options, target: true), cancellationToken);
        await Task.WhenAll(sourceRead, targetRead);
        var (source, target) = (await sourceRead, await targetRead);
        tally.Read(source.InstanceCount);
        if (!target.Complete)
        {
            // Without the target's view we cannot tell our replicas from native instances: write nothing here.
            tally.Error(SyncStage.ReadTarget, $"namespace '{targetNamespace}': {target.Failure}", targetNamespace);
            return null;
        }

        if (!source.Complete)
        {
            tally.Error(SyncStage.ReadSource, $"namespace '{sourceNamespace}': {source.Failure}", sourceNamespace);
        }

        return new NamespacePair(sourceNamespace, source, target);
    }

    /// <summary>Reads one namespace of one cluster.</summary>
    public static async Task<NamespaceSnapshot> ReadAsync(NacosNamingClient client, string ns, bool defaultEphemeral, Func<ServiceKey, bool>? scope,
        IReadOnlyCollection<string> knownGroups, CancellationToken cancellationToken)
    {
        try
        {
            if (await client.ReadCatalogAsync(ns, defaultEphemeral, cancellationToken) is { } catalog)
            {
                return new NamespaceSnapshot(ns, true, catalog);
            }

            var services = await client.ListServicesAsync(ns, cancellationToken, knownGroups);
            var reads = new ConcurrentBag<ServiceSnapshot>();
            await Parallel.ForEachAsync(services.Where(s => scope is null || scope(s)),
                new ParallelOptions { MaxDegreeOfParallelism = ReadConcurrency, CancellationToken = cancellationToken },
                async (service, ct) => reads.Add((await client.ListInstancesAsync(service, ct)).Service));
            return new NamespaceSnapshot(ns, true, [.. reads]);
        }
        catch (NacosException ex)
        {
            return NamespaceSnapshot.Failed(ns, ex.Message);
        }
    }

    /// <summary>
    /// Groups to list one by one where the server cannot list all groups at once (3.0 without the
    /// console catalog): DEFAULT_GROUP, the mapped groups and the literal names of the group filter.
    /// </summary>
    public static IReadOnlyCollection<string> KnownGroups(SyncTaskOptions task, bool target)
    {
        var groups = new SortedSet<string>(StringComparer.Ordinal) { "DEFAULT_GROUP" };
        foreach (var (from, to) in task.Groups)
        {
            groups.Add(target ? to : from);
        }

        foreach (var include in task.Naming.GroupFilter.Include.Where(g => !g.Contains('*', StringComparison.Ordinal)))
        {
            groups.Add(target && task.Groups.TryGetValue(include, out var mapped) ? mapped : include);
        }

        return groups;
    }
}
