using Microsoft.Extensions.Logging;
using NacosSync.Core.Config;
using NacosSync.Core.Options;
using NacosSync.Core.Sync;
using NacosSync.Engine.Clusters;
using NacosSync.Nacos.Config;
using NacosSync.Nacos.Transport;
using NacosSync.Storage.Config;

namespace NacosSync.Engine.Config;

/// <summary>
/// The fixed facts of one run of one task: its options, the request, and the stores and clients it reads and
/// writes (built once per run by <see cref="ConfigTaskScopeFactory"/>). Holds no run state: counts live in
/// <see cref="ConfigRunTally"/>, the checkpoint in <see cref="ConfigRunStateStore"/>.
/// </summary>
internal sealed record ConfigTaskScope
{
    public required string TaskName { get; init; }

    public required SyncTaskOptions Task { get; init; }

    public required SyncRunRequest Request { get; init; }

    public required bool ApiMode { get; init; }

    public required ConfigTaskEndpoints Endpoints { get; init; }

    public required ConfigRowStore SourceRows { get; init; }

    public required ConfigHistoryFeed History { get; init; }

    public NamespaceStore? SourceNamespaces { get; init; }

    public NamespaceStore? TargetNamespaces { get; init; }

    public ConfigVariantStore? SourceVariants { get; init; }

    public ConfigVariantStore? TargetVariants { get; init; }

    public required IConfigTarget Target { get; init; }

    public required ConfigMapping Mapping { get; init; }

    public required string SourcePublic { get; init; }

    /// <summary>The ledger's scope: this task in its target cluster.</summary>
    public LedgerScope Ledger => new(TaskName, Task.Target);

    public bool Mirror => Task.Config.MirrorDeletes;

    public bool DryRun => Request.DryRun;

    public bool InRequestedNamespace(string sourceTenant) =>
        Request.Namespace is not { } wanted
        || wanted == sourceTenant
        || (wanted == "public" && sourceTenant == SourcePublic);

    /// <summary>API mode compares content and type only (what a node's read answers).</summary>
    public ConfigDigest ForTarget(ConfigDigest source) => ApiMode ? ApiConfigTarget.ForApi(source) : source;
}

/// <summary>Builds a run's <see cref="ConfigTaskScope"/>, or says why the task cannot run (same database, unsupported schemas).</summary>
internal sealed partial class ConfigTaskScopeFactory(IConfigEndpointsProvider endpoints, ILogger logger)
{
    /// <summary>Tests only: false sends database-mode deletes straight to the database.</summary>
    public bool DeleteThroughApi { get; init; } = true;

    public async Task<(ConfigTaskScope? Scope, string? Refusal)> CreateAsync(string taskName, SyncTaskOptions task, NacosSyncOptions all, SyncRunRequest request, CancellationToken cancellationToken)
    {
        var ep = endpoints.Get(taskName, task, all);
        var apiMode = task.Config.Mode == ConfigSyncMode.Api;
        var sourceSchema = await ConfigSchema.DetectAsync(ep.SourceDatabase, cancellationToken);
        ConfigSchema? targetSchema = null;
        if (ep.TargetDatabase is { } targetDatabase)
        {
            if (string.Equals(targetDatabase.Description, ep.SourceDatabase.Description, StringComparison.Ordinal))
            {
                return (null, $"task '{taskName}': source and target use the same database ({targetDatabase.Description}); refusing to run");
            }

            targetSchema = await ConfigSchema.DetectAsync(targetDatabase, cancellationToken);
            var problems = ConfigSchema.Unsupported(sourceSchema, targetSchema);
            if (problems.Count > 0)
            {
                return (null, $"task '{taskName}': unsupported schema combination (source {sourceSchema.Line}, target {targetSchema.Line}): {string.Join("; ", problems)}");
            }
        }
        else if (!sourceSchema.HasConfigInfo || !sourceSchema.HasHistory)
        {
            return (null, $"task '{taskName}': the source database lacks config_info or his_config_info (schema {sourceSchema.Line})");
        }

        var sourcePublic = await PublicTenantAsync(ep.SourceApi, SyncStage.ReadSource, cancellationToken);
        var targetPublic = await PublicTenantAsync(ep.TargetApi, SyncStage.ReadTarget, cancellationToken);
        IConfigTarget target = ep.TargetDatabase is { } tdb && targetSchema is not null
            ? new DatabaseConfigTarget(new ConfigRowStore(tdb, targetSchema) { Md5 = ConfigDigestMd5.StoredColumn }, new ConfigRowWriter(tdb, targetSchema), ep.TargetApi, logger, DeleteThroughApi)
            : new ApiConfigTarget(ep.TargetApi);
        LogPrepared(logger, taskName, apiMode ? "api" : "database", sourceSchema.Line, targetSchema?.Line ?? "n/a (api)");
        return (new ConfigTaskScope
        {
            TaskName = taskName,
            Task = task,
            Request = request,
            ApiMode = apiMode,
            Endpoints = ep,
            SourceRows = new ConfigRowStore(ep.SourceDatabase, sourceSchema),
            History = new ConfigHistoryFeed(ep.SourceDatabase),
            SourceNamespaces = sourceSchema.HasTenantInfo ? new NamespaceStore(ep.SourceDatabase) : null,
            TargetNamespaces = ep.TargetDatabase is { } t2 && targetSchema is { HasTenantInfo: true } ? new NamespaceStore(t2) : null,
            SourceVariants = new ConfigVariantStore(ep.SourceDatabase, sourceSchema),
            TargetVariants = ep.TargetDatabase is { } t3 && targetSchema is not null ? new ConfigVariantStore(t3, targetSchema) : null,
            Target = target,
            Mapping = new ConfigMapping(task, sourcePublic, targetPublic),
            SourcePublic = sourcePublic,
        }, null);
    }

    /// <summary>The registry's one public-tenant policy; a version that cannot be read fails the run (naming the cluster).</summary>
    /// <exception cref="ConfigReadException">The version could not be read; tagged with the side it belongs to.</exception>
    private static async Task<string> PublicTenantAsync(NacosConfigClient api, SyncStage side, CancellationToken cancellationToken)
    {
        try
        {
            return await ClusterRegistry.PublicConfigTenantAsync(api.Transport, cancellationToken);
        }
        catch (NacosException ex)
        {
            throw new ConfigReadException(side, ex);
        }
    }

    [LoggerMessage(EventId = 5004, Level = LogLevel.Debug, Message = "Config task {Task}: {Mode} mode, source schema {Source}, target schema {Target}")]
    private static partial void LogPrepared(ILogger logger, string task, string mode, string source, string target);
}
