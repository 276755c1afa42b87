using Microsoft.Extensions.Logging;
using NacosSync.Core.Sync;
using NacosSync.Nacos.Naming;
using NacosSync.Nacos.Transport;
using NacosSync.Storage.Config;

namespace NacosSync.Engine.Config;

/// <summary>
/// Creates in the target (database mode: <c>tenant_info</c>; API mode: the namespace API) the custom namespaces of the
/// source the task copies, with their names and descriptions, before their configs; an existing namespace is never changed.
/// </summary>
internal sealed partial class ConfigNamespaceCreator(ILogger logger)
{
    /// <summary>Reads the source's namespaces, creates the missing ones in the target, and returns their ids.</summary>
    /// <param name="only">Only these source tenants (incremental runs: the tenants that changed); null for all.</param>
    public async Task<IReadOnlyList<string>> CopyAsync(ConfigTaskScope scope, IReadOnlySet<string>? only, ConfigRunTally tally, CancellationToken cancellationToken)
    {
        if (scope.SourceNamespaces is not { } sourceNamespaces || only is { Count: 0 })
        {
            return [];
        }

        tally.Stage = SyncStage.ReadSource;
        var namespaces = (await sourceNamespaces.ReadAsync(cancellationToken)).Where(n => only is null || only.Contains(n.Id)).ToList();
        if (scope.DryRun)
        {
            return [.. namespaces.Select(n => n.Id)];
        }

        tally.Stage = SyncStage.Write;
        HashSet<string>? listed = null;
        foreach (var ns in namespaces)
        {
            if (!scope.InRequestedNamespace(ns.Id) || scope.Mapping.MapTenant(ns.Id) is not { Length: > 0 } targetId || targetId == "public")
            {
                continue;
            }

            if (scope.TargetNamespaces is { } targetNamespaces)
            {
                if (await targetNamespaces.EnsureAsync(ns with { Id = targetId }, cancellationToken))
                {
                    LogNamespaceCreated(logger, scope.TaskName, targetId);
                }

                continue;
            }

            // API mode: the target's namespace API (v1 console or v3 admin, as its line answers).
            var api = new NacosNamingClient(scope.Endpoints.TargetApi.Transport);
            try
            {
                listed ??= [.. (await api.ListNamespacesAsync(cancellationToken)).Select(n => n.Id)];
                if (!listed.Contains(targetId))
                {
                    await api.CreateNamespaceAsync(targetId, ns.Name, ns.Description, cancellationToken);
                    listed.Add(targetId);
                    LogNamespaceCreated(logger, scope.TaskName, targetId);
                }
            }
            catch (NacosException ex)
            {
                tally.Error(SyncStage.Write, $"creating namespace '{targetId}' through the target's API failed: {ex.Message}", targetId);
            }
        }

        return [.. namespaces.Select(n => n.Id)];
    }

    [LoggerMessage(EventId = 5011, Level = LogLevel.Information, Message = "Config task {Task}: created namespace {Namespace} in the target")]
    private static partial void LogNamespaceCreated(ILogger logger, string task, string @namespace);
}
