using Microsoft.Extensions.Logging;
using NacosSync.Core.Sync;
using NacosSync.Nacos.Naming;
using NacosSync.Nacos.Transport;

namespace NacosSync.Engine.Naming;

/// <summary>
/// Creates in the target, before a full run writes into them, the custom namespaces of the source that the task copies
/// and the target lacks, with the source's name and description (v1 console or v3 admin namespace API, whichever the
/// target's line answers). An existing namespace is never changed; the public one always exists. A failure is an error
/// of the run, which goes on: on 1.x/2.x a namespace need not be listed for instances to be registered in it.
/// </summary>
internal static partial class TargetNamespaceCreator
{
    public static async Task CreateMissingAsync(NamingTask task, IReadOnlyList<string> sourceNamespaces, bool dryRun, NamingRunTally tally, ILogger logger,
        CancellationToken cancellationToken)
    {
        var wanted = sourceNamespaces.Where(n => n != NacosNamingClient.PublicNamespace)
            .Select(n => (Source: n, Target: task.Mapper.TargetNamespace(n)))
            .Where(p => p.Target != NacosNamingClient.PublicNamespace)
            .ToList();
        if (wanted.Count == 0)
        {
            return;
        }

        IReadOnlyList<NacosNamespace> sourceList;
        HashSet<string> targetIds;
        try
        {
            sourceList = await task.Source.ListNamespacesAsync(cancellationToken);
            targetIds = [.. (await task.Target.ListNamespacesAsync(cancellationToken)).Select(n => n.Id)];
        }
        catch (NacosException ex)
        {
            tally.Error(SyncStage.ReadTarget, $"listing namespaces to create the missing ones failed: {ex.Message}");
            return;
        }

        foreach (var (source, target) in wanted.Where(p => !targetIds.Contains(p.Target)))
        {
            var known = sourceList.FirstOrDefault(n => n.Id == source);
            if (dryRun)
            {
                continue; // plan writes nothing; the namespace is created by the first run that applies
            }

            try
            {
                await task.Target.CreateNamespaceAsync(target, known?.Name ?? target, known?.Description ?? "", cancellationToken);
                LogCreated(logger, task.Name, target);
            }
            catch (NacosException ex)
            {
                tally.Error(SyncStage.Write, $"creating namespace '{target}' in the target failed: {ex.Message}", target);
            }
        }
    }

    [LoggerMessage(EventId = 4131, Level = LogLevel.Information, Message = "Naming task {Task}: created namespace {Namespace} in the target")]
    private static partial void LogCreated(ILogger logger, string task, string @namespace);
}
