using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using NacosSync.Core.Config;
using NacosSync.Core.Sync;
using NacosSync.Nacos.Transport;

namespace NacosSync.Engine.Config;

/// <summary>What the full diff found: what it wrote, the removal candidates, and how each target namespace read.</summary>
internal sealed record FullDiffResult(IReadOnlyList<ExpectedConfig> Written, IReadOnlyList<RemovalCandidate> Removals, IReadOnlyDictionary<string, TenantRead> Reads)
{
    public bool Complete => Reads.Values.All(r => r.Complete);
}

/// <summary>
/// The full run's read and plan: every namespace of the task on both sides streamed in one walk of the unique index each
/// and merge-joined (<see cref="ConfigDiff"/>), the source side mapped to target keys by <see cref="ConfigDiffScope"/>;
/// additions and updates go to the <see cref="ConfigUpsertWriter"/> a batch at a time, removal candidates are collected for
/// the <see cref="ConfigRemover"/>. A read that fails ends the diff, marks every target namespace incomplete (no removals
/// this run) and is an error of the side that failed; a write that fails is the writer's, never taken for a read failure,
/// and no batch is applied twice.
/// </summary>
internal sealed partial class ConfigFullDiff(ConfigUpsertWriter writer, ILogger logger)
{
    public async Task<FullDiffResult> DiffAsync(ConfigTaskScope scope, ConfigDiffScope diffScope, ConfigCacheChecker? cacheCheck,
        ConfigRunTally tally, CancellationToken cancellationToken)
    {
        foreach (var tenant in diffScope.SourceTenants)
        {
            await ReportShadowedGroupsAsync(scope, tenant, tally, cancellationToken);
        }

        var sourceCounts = diffScope.TargetTenants.ToDictionary(t => t, _ => 0L, StringComparer.Ordinal);
        var targetCounts = new Dictionary<string, long>(sourceCounts, StringComparer.Ordinal);
        var mapped = diffScope.MapAsync(Side(scope.SourceRows.ReadDigestsAsync(diffScope.SourceTenants, k => diffScope.TargetOf(k) is not null, cancellationToken),
            SyncStage.ReadSource, d => d, _ => { }, cancellationToken), cancellationToken);
        var source = Side(Targets(mapped, cancellationToken), SyncStage.ReadSource, scope.ForTarget, k => sourceCounts[k.Tenant]++, cancellationToken);
        if (cacheCheck is not null)
        {
            source = cacheCheck.TapAsync(source, cancellationToken);
        }

        var target = Side(scope.Target.ReadDigestsAsync(diffScope.TargetTenants, k => diffScope.SourceOf(k) is not null, cancellationToken),
            SyncStage.ReadTarget, d => d, k => targetCounts[k.Tenant]++, cancellationToken);
        var written = new List<ExpectedConfig>();
        var removals = new List<RemovalCandidate>();
        var batch = new List<PlannedUpsert>(ConfigUpsertWriter.BatchSize);
        var complete = true;
        await using (var differences = ConfigDiff.DiffAsync(source, target, cancellationToken).GetAsyncEnumerator(cancellationToken))
        {
            while (true)
            {
                tally.Stage = SyncStage.ReadSource;
                var (difference, failed) = await NextAsync(scope, differences, tally, cancellationToken);
                if (difference is null)
                {
                    complete = !failed;
                    break;
                }

                tally.Found(new SyncDifference(difference.Kind.ToString().ToLowerInvariant(), difference.Key.ToString()));
                var sourceKey = diffScope.SourceOf(difference.Key)!.Value;
                if (difference.Kind == ConfigChangeKind.Remove)
                {
                    removals.Add(new RemovalCandidate(difference.Key, sourceKey));
                    continue;
                }

                batch.Add(new PlannedUpsert(sourceKey, difference));
                if (batch.Count == ConfigUpsertWriter.BatchSize)
                {
                    written.AddRange(await writer.ApplyAsync(scope, batch, null, publish: false, tally, cancellationToken));
                    batch.Clear();
                }
            }
        }

        written.AddRange(await writer.ApplyAsync(scope, batch, null, publish: false, tally, cancellationToken));
        tally.Read += sourceCounts.Values.Sum();
        var reads = diffScope.TargetTenants.ToDictionary(t => t, t => new TenantRead(complete, sourceCounts[t], targetCounts[t]), StringComparer.Ordinal);
        return new FullDiffResult(written, removals, reads);
    }

    private static async IAsyncEnumerable<ConfigDigest> Targets(IAsyncEnumerable<(ConfigKey Source, ConfigDigest Target)> mapped,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (_, target) in mapped.WithCancellation(cancellationToken))
        {
            yield return target;
        }
    }

    /// <summary>A source group left out because a mapped group is copied under its name (<see cref="ConfigMapping.ShadowedSourceGroups"/>) is an error when it holds configs.</summary>
    private static async Task ReportShadowedGroupsAsync(ConfigTaskScope scope, string sourceTenant, ConfigRunTally tally, CancellationToken cancellationToken)
    {
        foreach (var group in scope.Mapping.ShadowedSourceGroups.Order(StringComparer.Ordinal))
        {
            await foreach (var _ in scope.SourceRows.ReadDigestsAsync(sourceTenant, group, [], (_, d) => scope.Mapping.Filter.Matches(group, d), cancellationToken))
            {
                var from = string.Join(", ", scope.Task.Groups.Where(g => g.Value == group).Select(g => $"'{g.Key}'"));
                tally.Error(SyncStage.Write, $"Tasks:{scope.TaskName}:Groups maps {from} onto '{group}', and the source's own group '{group}' in namespace "
                    + $"'{(sourceTenant.Length == 0 ? "public" : sourceTenant)}' has configs: they are not copied, as two source groups cannot share one target group; map '{group}' too");
                break;
            }
        }
    }

    /// <summary>The next difference, or null at the end; a failed read ends the segment (failed = true), reported under the side that failed.</summary>
    private async Task<(ConfigDifference? Difference, bool Failed)> NextAsync(ConfigTaskScope scope,
        IAsyncEnumerator<ConfigDifference> differences, ConfigRunTally tally, CancellationToken cancellationToken)
    {
        try
        {
            return (await differences.MoveNextAsync() ? differences.Current : null, false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A read of either side (a database or the config API), keys out of order, or two source keys mapped onto one:
            // the run says nothing about removals.
            var stage = ex is ConfigReadException read ? read.Stage : SyncStage.ReadSource;
            var cause = ex is ConfigReadException ? ex.InnerException! : ex;
            LogReadFailed(logger, scope.TaskName, stage.Name(), cause.Message);
            tally.Error(stage, $"reading the task's configs failed: {cause.Message}");
            return (null, true);
        }
    }

    /// <summary>One side of the diff, mapped and counted; its failures are tagged with the side.</summary>
    private static async IAsyncEnumerable<ConfigDigest> Side(IAsyncEnumerable<ConfigDigest> rows, SyncStage stage, Func<ConfigDigest, ConfigDigest> map, Action<ConfigKey> counted,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var e = rows.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await e.MoveNextAsync())
                {
                    yield break;
                }
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or NacosException or InvalidOperationException or IOException)
            {
                throw new ConfigReadException(stage, ex);
            }

            counted(e.Current.Key);
            yield return map(e.Current);
        }
    }

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Config task {Task}: reading its configs failed ({Stage}: {Error}); no removals this run")]
    private static partial void LogReadFailed(ILogger logger, string task, string stage, string error);
}

/// <summary>A read of one side of the diff failed.</summary>
internal sealed class ConfigReadException(SyncStage stage, Exception inner) : Exception(inner.Message, inner)
{
    public SyncStage Stage { get; } = stage;
}
