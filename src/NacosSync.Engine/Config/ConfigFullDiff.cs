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
/// The full run's read and plan: per segment, both sides streamed along the unique index and merge-joined
/// (<see cref="ConfigDiff"/>); additions and updates go to the <see cref="ConfigUpsertWriter"/> a batch at a time,
/// removal candidates are collected for the <see cref="ConfigRemover"/>. A read that fails marks its target namespace
/// incomplete (no removals there) and is an error of the side that failed; a write that fails is the writer's, never
/// taken for a read failure, and no batch is applied twice.
/// </summary>
internal sealed partial class ConfigFullDiff(ConfigUpsertWriter writer, ILogger logger)
{
    public async Task<FullDiffResult> DiffAsync(ConfigTaskScope scope, IReadOnlyList<ConfigSegment> segments, ConfigCacheChecker? cacheCheck,
        ConfigRunTally tally, CancellationToken cancellationToken)
    {
        var written = new List<ExpectedConfig>();
        var removals = new List<RemovalCandidate>();
        var reads = new Dictionary<string, TenantRead>(StringComparer.Ordinal);
        foreach (var segment in segments)
        {
            if (segment.SourceGroup is { } mappedGroup && !scope.Mapping.Filter.Groups.Matches(mappedGroup))
            {
                continue;
            }

            if (segment.SourceGroup is null)
            {
                await ReportShadowedGroupsAsync(scope, segment, tally, cancellationToken);
            }

            var read = await DiffSegmentAsync(scope, segment, cacheCheck, written, removals, tally, cancellationToken);
            reads[segment.TargetTenant] = reads.TryGetValue(segment.TargetTenant, out var r)
                ? new TenantRead(r.Complete && read.Complete, r.SourceCount + read.SourceCount, r.TargetCount + read.TargetCount)
                : read;
        }

        return new FullDiffResult(written, removals, reads);
    }

    private async Task<TenantRead> DiffSegmentAsync(ConfigTaskScope scope, ConfigSegment segment, ConfigCacheChecker? cacheCheck,
        List<ExpectedConfig> written, List<RemovalCandidate> removals, ConfigRunTally tally, CancellationToken cancellationToken)
    {
        bool Keep(string group, string dataId) => scope.Mapping.Filter.Matches(segment.SourceGroup ?? group, dataId);
        long sourceCount = 0;
        long targetCount = 0;
        var source = Side(scope.SourceRows.ReadDigestsAsync(segment.SourceTenant, segment.SourceGroup, segment.ExcludedSourceGroups, Keep, cancellationToken),
            SyncStage.ReadSource, d => scope.ForTarget(d with { Key = segment.MapKey(d.Key) }), () => sourceCount++, cancellationToken);
        if (cacheCheck is not null)
        {
            source = cacheCheck.TapAsync(source, cancellationToken);
        }

        var target = Side(scope.Target.ReadDigestsAsync(segment, Keep, cancellationToken), SyncStage.ReadTarget, d => d, () => targetCount++, cancellationToken);
        var batch = new List<PlannedUpsert>(ConfigUpsertWriter.BatchSize);
        var complete = true;
        await using (var differences = ConfigDiff.DiffAsync(source, target, cancellationToken).GetAsyncEnumerator(cancellationToken))
        {
            while (true)
            {
                tally.Stage = SyncStage.ReadSource;
                var (difference, failed) = await NextAsync(scope, segment, differences, tally, cancellationToken);
                if (difference is null)
                {
                    complete = !failed;
                    break;
                }

                tally.Found(new SyncDifference(difference.Kind.ToString().ToLowerInvariant(), difference.Key.ToString()));
                if (difference.Kind == ConfigChangeKind.Remove)
                {
                    removals.Add(new RemovalCandidate(difference.Key, new ConfigKey(segment.SourceTenant, segment.SourceGroup ?? difference.Key.Group, difference.Key.DataId)));
                    continue;
                }

                batch.Add(new PlannedUpsert(new ConfigKey(segment.SourceTenant, segment.SourceGroup ?? difference.Key.Group, difference.Key.DataId), difference));
                if (batch.Count == ConfigUpsertWriter.BatchSize)
                {
                    written.AddRange(await writer.ApplyAsync(scope, batch, null, tally, cancellationToken));
                    batch.Clear();
                }
            }
        }

        written.AddRange(await writer.ApplyAsync(scope, batch, null, tally, cancellationToken));
        tally.Read += sourceCount;
        return new TenantRead(complete, sourceCount, targetCount);
    }

    /// <summary>A source group left out because a mapped group is copied under its name (<see cref="ConfigMapping.ShadowedSourceGroups"/>) is an error when it holds configs.</summary>
    private static async Task ReportShadowedGroupsAsync(ConfigTaskScope scope, ConfigSegment segment, ConfigRunTally tally, CancellationToken cancellationToken)
    {
        foreach (var group in scope.Mapping.ShadowedSourceGroups.Order(StringComparer.Ordinal))
        {
            await foreach (var _ in scope.SourceRows.ReadDigestsAsync(segment.SourceTenant, group, [], (_, d) => scope.Mapping.Filter.Matches(group, d), cancellationToken))
            {
                var from = string.Join(", ", scope.Task.Groups.Where(g => g.Value == group).Select(g => $"'{g.Key}'"));
                tally.Error(SyncStage.Write, $"Tasks:{scope.TaskName}:Groups maps {from} onto '{group}', and the source's own group '{group}' in namespace "
                    + $"'{(segment.SourceTenant.Length == 0 ? "public" : segment.SourceTenant)}' has configs: they are not copied, as two source groups cannot share one target group; map '{group}' too");
                break;
            }
        }
    }

    /// <summary>The next difference, or null at the end; a failed read ends the segment (failed = true), reported under the side that failed.</summary>
    private async Task<(ConfigDifference? Difference, bool Failed)> NextAsync(ConfigTaskScope scope, ConfigSegment segment,
        IAsyncEnumerator<ConfigDifference> differences, ConfigRunTally tally, CancellationToken cancellationToken)
    {
        try
        {
            return (await differences.MoveNextAsync() ? differences.Current : null, false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A read of either side (a database or the config API), or keys out of order: this segment says nothing about removals.
            var stage = ex is ConfigReadException read ? read.Stage : SyncStage.ReadSource;
            var cause = ex is ConfigReadException ? ex.InnerException! : ex;
            LogReadFailed(logger, scope.TaskName, segment, stage.Name(), cause.Message);
            tally.Error(stage, $"reading {segment} failed: {cause.Message}");
            return (null, true);
        }
    }

    /// <summary>One side of the diff, mapped and counted; its failures are tagged with the side.</summary>
    private static async IAsyncEnumerable<ConfigDigest> Side(IAsyncEnumerable<ConfigDigest> rows, SyncStage stage, Func<ConfigDigest, ConfigDigest> map, Action counted,
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

            counted();
            yield return map(e.Current);
        }
    }

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Config task {Task}: reading segment {Segment} failed ({Stage}: {Error}); no removals in its namespace this run")]
    private static partial void LogReadFailed(ILogger logger, string task, ConfigSegment segment, string stage, string error);
}

/// <summary>A read of one side of the diff failed.</summary>
internal sealed class ConfigReadException(SyncStage stage, Exception inner) : Exception(inner.Message, inner)
{
    public SyncStage Stage { get; } = stage;
}
