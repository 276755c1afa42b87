using System.Collections.Concurrent;
using NacosSync.Core.Naming;
using NacosSync.Core.Sync;
using NacosSync.Nacos.Transport;

namespace NacosSync.Engine.Naming;

/// <summary>One changed source service and its target service, both read.</summary>
/// <param name="IncludesDisabled">False where the source answer hides disabled instances (3.0 without the catalog).</param>
internal sealed record ServicePair(ServiceKey Source, ServiceSnapshot SourceRead, ServiceSnapshot TargetRead, bool IncludesDisabled);

/// <summary>What an incremental run read: the changed pairs, services whose answer equals the baseline, and where reading failed.</summary>
internal sealed record ChangedServices(IReadOnlyList<ServicePair> Changed, IReadOnlyList<ServiceKey> Unchanged, IReadOnlySet<string> IncompleteTargetNamespaces);

/// <summary>
/// The read stage of an incremental run: lists each service of the batch with the push subscription,
/// and only where the answer differs from the applied baseline reads that service on both sides — from
/// the catalog where the version has it, because the list call hides disabled instances (a disabled
/// instance must not be taken for a removed one, nor a disabled native one missed as a conflict).
/// </summary>
internal static class ChangedServiceReader
{
    private const int ReadConcurrency = 16;

    public static async Task<ChangedServices> ReadAsync(NamingTask task, NamingChangeFeed feed, NamingChangeBatch batch, SyncRunRequest request, NamingRunTally tally,
        CancellationToken cancellationToken)
    {
        var changed = new ConcurrentBag<ServicePair>();
        var unchanged = new ConcurrentBag<ServiceKey>();
        var incomplete = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var services = batch.Services.Where(s => request.Namespace is not { } only || s.Namespace == only);
        await Parallel.ForEachAsync(services, new ParallelOptions { MaxDegreeOfParallelism = ReadConcurrency, CancellationToken = cancellationToken }, async (service, ct) =>
        {
            var targetService = task.Mapper.ToTarget(service);
            try
            {
                var (read, differs) = await feed.ListAndSubscribeAsync(task, service, ct);
                tally.Read(read.Service.Instances.Count);
                if (!differs)
                {
                    unchanged.Add(service); // the same answer as last applied: the target needs no look
                    return;
                }

                var fromCatalog = await task.Source.ReadServiceFromCatalogAsync(service, defaultEphemeral: true, ct);
                ServiceSnapshot target;
                try
                {
                    target = await task.Target.ReadServiceFromCatalogAsync(targetService, task.Mapper.EphemeralReplicas, ct)
                        ?? (await task.Target.ListInstancesAsync(targetService, ct)).Service;
                }
                catch (NacosException ex)
                {
                    tally.Error(SyncStage.ReadTarget, $"service {targetService}: {ex.Message}", targetService.ToString());
                    return;
                }

                changed.Add(new ServicePair(service, fromCatalog ?? read.Service, target, fromCatalog is not null));
            }
            catch (NacosException ex)
            {
                tally.Error(SyncStage.ReadSource, $"service {service}: {ex.Message}", service.ToString());
                incomplete[targetService.Namespace] = true;
            }
        });

        return new ChangedServices([.. changed], [.. unchanged], incomplete.Keys.ToHashSet(StringComparer.Ordinal));
    }
}
