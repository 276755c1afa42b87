using NacosSync.Core.Config;
using NacosSync.Nacos.Config;
using NacosSync.Nacos.Transport;

namespace NacosSync.Engine.Config;

/// <summary>What one node said about the configs it was asked about.</summary>
/// <param name="Stale">Keys the node serves with another md5 (or serves when they should be absent, or lacks).</param>
/// <param name="Unknown">Keys the node could not be asked about (it failed or was too slow): neither proven nor disproven.</param>
/// <param name="Failure">Why some keys are unknown, naming the node; null when every key was checked.</param>
internal sealed record NodeProbeResult(Uri Node, HashSet<ConfigKey> Stale, HashSet<ConfigKey> Unknown, string? Failure);

/// <summary>
/// Asks target nodes which configs they serve differently from an expected md5, with the config
/// listener's short poll (<see cref="NacosConfigClient.StaleOnNodeAsync"/>): one request per node per
/// batch of <see cref="BatchSize"/> keys, the nodes in parallel, every request under its own deadline
/// taken from the <see cref="TimeProvider"/>, so one slow node costs at most that deadline and is
/// reported by name while the others are proven. Where a server has no HTTP listener (404/405/410)
/// the node is read key by key instead (<c>GET /v1/cs/configs</c> sent to that node).
/// </summary>
internal sealed class ConfigNodeProbe(NacosConfigClient api, TimeProvider timeProvider)
{
    public const int BatchSize = 500;

    /// <summary>The deadline of one request to one node. Default 2 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Probes every node in parallel; <paramref name="keysFor"/> gives the (key, md5) pairs to ask each node about.</summary>
    /// <param name="until">A <see cref="TimeProvider.GetTimestamp"/> value no request may outlive.</param>
    public async Task<IReadOnlyList<NodeProbeResult>> ProbeAsync(IReadOnlyList<Uri> nodes, Func<Uri, IReadOnlyList<(ConfigKey Key, string Md5)>> keysFor,
        long until, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(keysFor);
        return await Task.WhenAll(nodes.Select(node => ProbeNodeAsync(node, keysFor(node), until, cancellationToken)));
    }

    private async Task<NodeProbeResult> ProbeNodeAsync(Uri node, IReadOnlyList<(ConfigKey Key, string Md5)> keys, long until, CancellationToken cancellationToken)
    {
        var stale = new HashSet<ConfigKey>();
        var unknown = new HashSet<ConfigKey>();
        string? failure = null;
        var byGet = false;
        foreach (var batch in keys.Chunk(BatchSize))
        {
            if (failure is not null)
            {
                unknown.UnionWith(batch.Select(b => b.Key));
                continue;
            }

            var timeout = Timeout(until);
            try
            {
                using var deadline = new CancellationTokenSource(timeout, timeProvider);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
                if (!byGet)
                {
                    try
                    {
                        var found = await api.StaleOnNodeAsync(node, batch, linked.Token);
                        if (stale.Count == 0 && found.Count * 2 > batch.Length)
                        {
                            // Most of the first answer is stale (an initial copy): sized once for every key, not grown by doubling.
                            stale.EnsureCapacity(keys.Count);
                        }

                        stale.UnionWith(found);
                        continue;
                    }
                    catch (NacosRejectedException ex) when (ex.StatusCode is 404 or 405 or 410)
                    {
                        // No HTTP listener here (3.2+ without the legacy adapter): read each key from this node instead.
                        byGet = true;
                    }
                }

                foreach (var (key, md5) in batch)
                {
                    var served = await api.GetFromNodeAsync(node, key, linked.Token);
                    if (!string.Equals(served?.Md5 ?? "", md5, StringComparison.OrdinalIgnoreCase))
                    {
                        stale.Add(key);
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failure = $"node {node.Authority} did not answer within {timeout.TotalSeconds:0.###} s";
                unknown.UnionWith(batch.Select(b => b.Key).Where(k => !stale.Contains(k)));
            }
            catch (NacosException ex)
            {
                failure = $"node {node.Authority} could not be asked: {ex.Message}";
                unknown.UnionWith(batch.Select(b => b.Key).Where(k => !stale.Contains(k)));
            }
        }

        return new NodeProbeResult(node, stale, unknown, failure);
    }

    private TimeSpan Timeout(long until)
    {
        var left = TimeSpan.FromTicks((long)((until - timeProvider.GetTimestamp()) * (double)TimeSpan.TicksPerSecond / timeProvider.TimestampFrequency));
        return left < RequestTimeout ? (left > TimeSpan.FromMilliseconds(1) ? left : TimeSpan.FromMilliseconds(1)) : RequestTimeout;
    }
}
