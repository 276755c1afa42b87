using Microsoft.Extensions.Logging;
using NacosSync.Core.Config;
using NacosSync.Nacos.Config;
using NacosSync.Nacos.Transport;

namespace NacosSync.Engine.Config;

/// <summary>A written key and what every target node must serve for it: an md5, or nothing (deleted).</summary>
/// <param name="Published">Written through the config API: the server tells its nodes itself, no cache refresh is owed for it.</param>
internal sealed record ExpectedConfig(ConfigKey Key, string? Md5, DateTime? SourceChangedAt = null, bool Published = false)
{
    /// <summary>
    /// The keys of <paramref name="configs"/>, in a set sized once when their number is known: a full run's lists hold
    /// 50,000 keys, and a set grown by doubling had left a chain of large arrays.
    /// </summary>
    public static HashSet<ConfigKey> KeysOf(IEnumerable<ExpectedConfig> configs)
    {
        var keys = new HashSet<ConfigKey>(configs.TryGetNonEnumeratedCount(out var count) ? count : 0);
        foreach (var config in configs)
        {
            keys.Add(config.Key);
        }

        return keys;
    }
}

/// <summary>
/// What refresh and verification found: keys every node serves as expected, and all the rest with
/// why (each naming the node), never truncated.
/// </summary>
internal sealed record VerifyOutcome(IReadOnlyList<ExpectedConfig> Converged, IReadOnlyList<(ExpectedConfig Expected, string Why)> Pending, IReadOnlyList<string> RefreshErrors);

/// <summary>
/// Makes every node of the target serve what was written to its database, then proves it, all
/// before one deadline.
/// <para>Proof: each node is asked with the listener's short poll which keys it serves with another
/// md5 (<see cref="ConfigNodeProbe"/>: one request per node per 500 keys, nodes in parallel, each
/// request under its own deadline), first before any refresh (a node that already serves everything
/// costs no refresh), then in rounds with a pause that doubles from <see cref="PollInterval"/> to 1 s.</para>
/// <para>Refresh, per version (reference §5), only of the nodes that still lag: ≤2.2.0 <c>dataChange</c>
/// per stale key; 2.2.1+ <c>localCache</c> (a re-read of every row), at most one per node per
/// <see cref="LocalCacheCoalescer.MinInterval"/> across all runs, and only for upserts (it never drops
/// a deleted key). Halfway to the deadline the lagging nodes are refreshed once more.</para>
/// </summary>
internal sealed partial class CacheRefresher(NacosConfigClient api, TimeProvider timeProvider, ILogger logger, LocalCacheCoalescer? coalescer = null)
{
    private readonly LocalCacheCoalescer _coalescer = coalescer ?? new LocalCacheCoalescer(timeProvider);

    /// <summary>The first pause between proof rounds; doubled up to one second.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The deadline of one request to one node (a proof batch or a refresh). Default 2 s.</summary>
    public TimeSpan NodeRequestTimeout { get; init; } = TimeSpan.FromSeconds(2);

    public async Task<VerifyOutcome> RefreshAndVerifyAsync(IReadOnlyList<ExpectedConfig> expected, bool refresh, TimeSpan deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expected);
        if (expected.Count == 0)
        {
            return new VerifyOutcome([], [], []);
        }

        var started = timeProvider.GetTimestamp();
        var until = started + (long)(deadline.TotalSeconds * timeProvider.TimestampFrequency);
        // The last expectation of a key wins, in the order keys first appear; one dictionary sized once (a GroupBy had
        // made a grouping per key, and then a second dictionary grown by doubling).
        var wanted = new Dictionary<ConfigKey, ExpectedConfig>(expected.Count);
        foreach (var e in expected)
        {
            wanted[e.Key] = e;
        }

        IReadOnlyList<Uri> nodes;
        NacosServerVersion version;
        try
        {
            using var limit = new CancellationTokenSource(deadline, timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
            nodes = await api.ClusterNodesAsync(linked.Token);
            version = await api.Transport.GetServerVersionAsync(linked.Token);
        }
        catch (Exception ex) when (ex is NacosException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var why = "cannot list the target's nodes: " + (ex is NacosException ? ex.Message : $"no answer within {deadline.TotalSeconds:0.#} s");
            return new VerifyOutcome([], [.. wanted.Values.Select(e => (e, why))], [why]);
        }

        var board = new ProofBoard(wanted.Values, nodes);
        var probe = new ConfigNodeProbe(api, timeProvider) { RequestTimeout = NodeRequestTimeout };
        var errors = new List<string>();
        var interval = PollInterval;
        var refreshes = refresh ? 2 : 0;
        while (true)
        {
            board.Record(await probe.ProbeAsync(nodes, board.AskFor, until, cancellationToken));
            var elapsed = timeProvider.GetElapsedTime(started);
            if (board.Done || elapsed >= deadline)
            {
                break;
            }

            // The first refresh right after the first proof; the second halfway, for the nodes that still lag.
            if (refreshes == 2 || (refreshes == 1 && elapsed >= deadline / 2))
            {
                if (refreshes == 1)
                {
                    LogRefreshRetry(logger, board.PendingKeys.Count, board.LaggingNodes.Count);
                }

                refreshes--;
                errors.AddRange(await RefreshAsync(board, version, until, cancellationToken));
            }

            var pause = TimeSpan.FromTicks(Math.Min(interval.Ticks, (deadline - timeProvider.GetElapsedTime(started)).Ticks));
            if (pause > TimeSpan.Zero)
            {
                await Task.Delay(pause, timeProvider, cancellationToken);
            }

            interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
        }

        return board.Outcome(errors);
    }

    private async Task<List<string>> RefreshAsync(ProofBoard board, NacosServerVersion version, long until, CancellationToken cancellationToken)
    {
        var nodes = board.LaggingNodes;
        var failures = await Task.WhenAll(nodes.Select(async node =>
        {
            var keys = board.StaleOn(node);
            using var limit = new CancellationTokenSource(Timeout(until), timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
            try
            {
                if (version.HasDataChange)
                {
                    // ≤2.2.0: one key at a time; dataChange on a deleted row drops the key from the node's cache too.
                    foreach (var e in keys)
                    {
                        await api.DataChangeAsync(node, e.Key, linked.Token);
                    }
                }
                else if (keys.Any(e => e.Md5 is not null))
                {
                    // 2.2.1+: every formal row re-read by this node, shared with every other run that asks meanwhile.
                    // Deletes are not dropped by it (docs/config.md), so a node lagging on deletes only is not asked.
                    await _coalescer.RefreshAsync(node, async () =>
                    {
                        using var own = new CancellationTokenSource(NodeRequestTimeout, timeProvider);
                        await api.RefreshLocalCacheAsync(node, version, own.Token);
                    }, linked.Token);
                }

                return null;
            }
            catch (Exception ex) when (ex is NacosException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                var why = ex is NacosException ? ex.Message : "no answer before the verify deadline";
                LogRefreshFailed(logger, node.Authority, why);
                return $"refresh of {node.Authority} failed: {why}";
            }
        }));
        return [.. failures.OfType<string>()];
    }

    private TimeSpan Timeout(long until)
    {
        var left = TimeSpan.FromSeconds((until - timeProvider.GetTimestamp()) / (double)timeProvider.TimestampFrequency);
        return left < NodeRequestTimeout ? (left > TimeSpan.FromMilliseconds(1) ? left : TimeSpan.FromMilliseconds(1)) : NodeRequestTimeout;
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Cache refresh of target node {Node} failed: {Error}")]
    private static partial void LogRefreshFailed(ILogger logger, string node, string error);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "{Keys} config(s) not yet served by {Nodes} node(s) halfway to the deadline; refreshing those nodes again")]
    private static partial void LogRefreshRetry(ILogger logger, int keys, int nodes);
}
