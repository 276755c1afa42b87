using System.Runtime.CompilerServices;
using System.Text;
using NacosSync.Core.Config;
using NacosSync.Nacos.Config;
using NacosSync.Nacos.Transport;

namespace NacosSync.Engine.Config;

/// <summary>
/// Checks that every target node serves given configs with given md5s, in batches, with the
/// config listener in its short-poll form (no <c>Long-Pulling-Timeout</c> header: the node answers
/// at once with the keys whose md5 differs from the one sent, or that it does not have).
/// One request per node per batch, so a 50,000-config check is about a hundred requests a node.
/// </summary>
internal sealed class ConfigCacheChecker(NacosConfigClient targetApi, int batchSize = 500)
{
    private readonly List<(ConfigKey Key, string Md5)> _batch = new(batchSize);
    private IReadOnlyList<Uri>? _nodes;

    /// <summary>Keys some node served differently, with the node; filled as batches are checked.</summary>
    public List<(ConfigKey Key, Uri Node)> Stale { get; } = [];

    public long Checked { get; private set; }

    /// <summary>Passes <paramref name="digests"/> through, checking them on every node as they go by.</summary>
    public async IAsyncEnumerable<ConfigDigest> TapAsync(IAsyncEnumerable<ConfigDigest> digests, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
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

    /// <summary>Checks what is still batched.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_batch.Count == 0)
        {
            return;
        }

        _nodes ??= await targetApi.ClusterNodesAsync(cancellationToken);
        var body = new StringBuilder();
        foreach (var (key, md5) in _batch)
        {
            body.Append(key.DataId).Append('\u0002').Append(key.Group).Append('\u0002').Append(md5);
            if (key.Tenant.Length > 0)
            {
                body.Append('\u0002').Append(key.Tenant);
            }

            body.Append('\u0001');
        }

        var byWire = _batch.ToDictionary(b => Wire(b.Key), b => b.Key, StringComparer.Ordinal);
        foreach (var node in _nodes)
        {
            var request = NacosRequest.Post("/v1/cs/configs/listener", idempotent: true, new KeyValuePair<string, string>("Listening-Configs", body.ToString()));
            var response = await targetApi.Transport.SendToNodeAsync(node, request, cancellationToken);
            foreach (var changed in Uri.UnescapeDataString(response.Body.Trim()).Split('\u0001', StringSplitOptions.RemoveEmptyEntries))
            {
                if (byWire.TryGetValue(changed, out var key))
                {
                    Stale.Add((key, node));
                }
            }
        }

        Checked += _batch.Count;
        _batch.Clear();
    }

    private static string Wire(ConfigKey key) =>
        key.Tenant.Length > 0 ? $"{key.DataId}\u0002{key.Group}\u0002{key.Tenant}" : $"{key.DataId}\u0002{key.Group}";
}
