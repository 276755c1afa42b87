using Microsoft.Extensions.Logging;
using NacosSync.Core.Config;
using NacosSync.Nacos.Config;
using NacosSync.Nacos.Transport;

namespace NacosSync.Engine.Config;

/// <summary>A written key and what every target node must serve for it: an md5, or nothing (deleted).</summary>
internal sealed record ExpectedConfig(ConfigKey Key, string? Md5, DateTime? SourceChangedAt = null);

/// <summary>What refresh and verification found: keys every node serves as expected, and the rest with why.</summary>
internal sealed record VerifyOutcome(IReadOnlyList<ExpectedConfig> Converged, IReadOnlyList<(ExpectedConfig Expected, string Why)> Pending, IReadOnlyList<string> RefreshErrors);

/// <summary>
/// Makes every node of the target serve what was written to its database, then proves it.
/// Refresh per version (reference §5): ≤2.2.0 <c>dataChange</c> per key on each node; 2.2.1–2.x
/// <c>POST /v1/cs/ops/localCache</c> on each node; 3.0 <c>POST /v3/admin/cs/ops/localCache</c>.
/// Proof: each key read back from each node until its md5 matches (or, for a delete, it is gone),
/// before a deadline; lagging nodes are refreshed again halfway. Keys that never converge are
/// returned, never dropped.
/// </summary>
internal sealed partial class CacheRefresher(NacosConfigClient api, TimeProvider timeProvider, ILogger logger)
{
    /// <summary>The first pause between read-backs; doubled up to one second.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    public async Task<VerifyOutcome> RefreshAndVerifyAsync(IReadOnlyList<ExpectedConfig> expected, bool refresh, TimeSpan deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expected);
        if (expected.Count == 0)
        {
            return new VerifyOutcome([], [], []);
        }

        var errors = new List<string>();
        IReadOnlyList<Uri> nodes;
        NacosServerVersion version;
        try
        {
            nodes = await api.ClusterNodesAsync(cancellationToken);
            version = await api.Transport.GetServerVersionAsync(cancellationToken);
        }
        catch (NacosException ex)
        {
            return new VerifyOutcome([], [.. expected.Select(e => (e, "cannot list the target's nodes: " + ex.Message))], [ex.Message]);
        }

        if (refresh)
        {
            errors.AddRange(await RefreshAsync(nodes, version, expected, cancellationToken));
        }

        var started = timeProvider.GetTimestamp();
        var pending = new Dictionary<(ConfigKey, Uri), ExpectedConfig>();
        foreach (var e in expected)
        {
            foreach (var node in nodes)
            {
                pending[(e.Key, node)] = e;
            }
        }

        var lastSeen = new Dictionary<(ConfigKey, Uri), string>();
        var interval = PollInterval;
        var refreshedAgain = false;
        while (true)
        {
            foreach (var ((key, node), e) in pending.ToList())
            {
                try
                {
                    var served = await api.GetFromNodeAsync(node, key, cancellationToken);
                    var ok = e.Md5 is null ? served is null : served is not null && string.Equals(served.Md5, e.Md5, StringComparison.OrdinalIgnoreCase);
                    if (ok)
                    {
                        pending.Remove((key, node));
                    }
                    else
                    {
                        lastSeen[(key, node)] = served is null ? "absent" : "md5 " + served.Md5;
                    }
                }
                catch (NacosException ex)
                {
                    lastSeen[(key, node)] = ex.Message;
                }
            }

            var elapsed = timeProvider.GetElapsedTime(started);
            if (pending.Count == 0 || elapsed >= deadline)
            {
                break;
            }

            if (refresh && !refreshedAgain && elapsed >= deadline / 2)
            {
                // Retry the refresh once for the nodes that still lag (a localCache call is asynchronous and can be lost).
                refreshedAgain = true;
                var laggingNodes = pending.Keys.Select(k => k.Item2).Distinct().ToList();
                var laggingKeys = pending.Values.Distinct().ToList();
                LogRefreshRetry(logger, laggingKeys.Count, laggingNodes.Count);
                errors.AddRange(await RefreshAsync(laggingNodes, version, laggingKeys, cancellationToken));
            }

            await Task.Delay(interval, timeProvider, cancellationToken);
            interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
        }

        var failedKeys = pending.Keys.Select(k => k.Item1).ToHashSet();
        var converged = expected.Where(e => !failedKeys.Contains(e.Key)).ToList();
        var stuck = pending
            .GroupBy(p => p.Key.Item1)
            .Select(g => (g.First().Value, string.Join("; ", g.Select(p => $"{p.Key.Item2.Authority} serves {lastSeen.GetValueOrDefault(p.Key, "?")}"))
                + $" (wanted {(g.First().Value.Md5 is { } m ? "md5 " + m : "absent")})"))
            .ToList();
        return new VerifyOutcome(converged, stuck, errors);
    }

    private async Task<List<string>> RefreshAsync(IReadOnlyList<Uri> nodes, NacosServerVersion version, IReadOnlyList<ExpectedConfig> keys, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        foreach (var node in nodes)
        {
            try
            {
                if (version.HasDataChange)
                {
                    // ≤2.2.0: one key at a time; dataChange on a deleted row drops the key from the node's cache too.
                    foreach (var e in keys)
                    {
                        await api.DataChangeAsync(node, e.Key, cancellationToken);
                    }
                }
                else
                {
                    // 2.2.1+: every formal row re-read by this node; deletes are not dropped (see docs/config.md).
                    await api.RefreshLocalCacheAsync(node, version, cancellationToken);
                }
            }
            catch (NacosException ex)
            {
                LogRefreshFailed(logger, node.Authority, ex.Message);
                errors.Add($"refresh of {node.Authority} failed: {ex.Message}");
            }
        }

        return errors;
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Cache refresh of target node {Node} failed: {Error}")]
    private static partial void LogRefreshFailed(ILogger logger, string node, string error);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "{Keys} config(s) not yet served by {Nodes} node(s) halfway to the deadline; refreshing those nodes again")]
    private static partial void LogRefreshRetry(ILogger logger, int keys, int nodes);
}
