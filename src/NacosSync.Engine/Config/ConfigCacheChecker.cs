using System.Runtime.CompilerServices;
using NacosSync.Core.Config;
using NacosSync.Nacos.Config;
using NacosSync.Nacos.Transport;

namespace NacosSync.Engine.Config;

/// <summary>A node that serves a config differently from the source (another md5, or not at all).</summary>
internal sealed record StaleCache(ConfigKey Key, string Md5, Uri Node);

/// <summary>
/// Checks, as the source digests of a full run stream by, that every target node serves each config
/// with the source's md5 (<see cref="ConfigNodeProbe"/>: the listener's short poll, one request per
/// node per batch of 500, nodes in parallel, each request under its own deadline). Memory holds one
/// batch plus what was found stale. A full run proves every node this way and refreshes what is stale
/// (<see cref="Repairs"/>); <c>verify</c> reports it (<see cref="Stale"/>, <see cref="Unchecked"/>).
/// </summary>
internal sealed class ConfigCacheChecker(NacosConfigClient targetApi, TimeProvider timeProvider, int batchSize = ConfigNodeProbe.BatchSize)
{
    private readonly List<(ConfigKey Key, string Md5)> _batch = new(batchSize);
    private readonly Dictionary<Uri, string> _unchecked = [];
    private IReadOnlyList<Uri>? _nodes;

    /// <summary>The deadline of one batch on one node. Default 5 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Keys some node served differently, with the node and the source's md5; filled as batches are checked.</summary>
    public List<StaleCache> Stale { get; } = [];

    /// <summary>Nodes that could not be asked about some keys, and why (each names its node): nothing was proven there.</summary>
    public IReadOnlyDictionary<Uri, string> Unchecked => _unchecked;

    /// <summary>Keys that could not be checked on some node.</summary>
    public long UncheckedKeys { get; private set; }

    public long Checked { get; private set; }

    /// <summary>Passes <paramref name="digests"/> through, checking them on every node as they go by.</summary>
    public async IAsyncEnumerable<ConfigDigest> TapAsync(IAsyncEnumerable<ConfigDigest> digests, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(digests);
        await foreach (var digest in digests.WithCancellation(cancellationToken))
        {
            _batch.Add((digest.Key, digest.Md5));
            if (_batch.Count >= batchSize)
            {
                await FlushAsync(cancellationToken);
            }

            yield return digest;
        }
    }

    /// <summary>Checks what is still batched. Throws only when the target's node list cannot be read.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_batch.Count == 0)
        {
            return;
        }

        _nodes ??= await targetApi.ClusterNodesAsync(cancellationToken);
        var probe = new ConfigNodeProbe(targetApi, timeProvider) { RequestTimeout = RequestTimeout };
        var until = timeProvider.GetTimestamp() + (long)(RequestTimeout.TotalSeconds * timeProvider.TimestampFrequency);
        var md5s = _batch.ToDictionary(b => b.Key, b => b.Md5);
        foreach (var result in await probe.ProbeAsync(_nodes, _ => _batch, until, cancellationToken))
        {
            Stale.AddRange(result.Stale.Select(k => new StaleCache(k, md5s[k], result.Node)));
            if (result.Failure is { } failure)
            {
                _unchecked.TryAdd(result.Node, failure);
                UncheckedKeys += result.Unknown.Count;
            }
        }

        Checked += _batch.Count;
        _batch.Clear();
    }

    /// <summary>
    /// What a full run must refresh and prove beyond what it wrote: every stale key neither in
    /// <paramref name="written"/> (proven anyway) nor in <paramref name="failed"/> (keys as
    /// <see cref="ConfigKey.ToString"/> whose write failed and is reported: no refresh can make a node
    /// serve them), with the source's md5.
    /// </summary>
    public IReadOnlyList<ExpectedConfig> Repairs(IEnumerable<ExpectedConfig> written, IEnumerable<string> failed)
    {
        var known = ExpectedConfig.KeysOf(written);
        var failedKeys = failed.ToHashSet(StringComparer.Ordinal);
        return [.. Stale.Where(s => !known.Contains(s.Key) && !failedKeys.Contains(s.Key.ToString())).GroupBy(s => s.Key).Select(g => new ExpectedConfig(g.Key, g.First().Md5))];
    }
}
