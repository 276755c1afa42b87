using NacosSync.Core.Config;

namespace NacosSync.Engine.Config;

/// <summary>
/// Which (key, node) pairs are still unproven during one refresh-and-verify, and why: the node serves
/// another md5, or it could not be asked (slow, failing). A pair leaves the board only when its node
/// answered that it serves the expected md5.
/// </summary>
internal sealed class ProofBoard
{
    private readonly IReadOnlyCollection<ExpectedConfig> _expected;
    private readonly Dictionary<Uri, Dictionary<ConfigKey, ExpectedConfig>> _pending = [];
    // Per node, made on the first reason and sized for every key the node then had pending: at 50,000 keys on each of
    // two nodes one dictionary grown by doubling had left a chain of large arrays.
    private readonly Dictionary<Uri, Dictionary<ConfigKey, string>> _why = [];

    public ProofBoard(IReadOnlyCollection<ExpectedConfig> expected, IReadOnlyList<Uri> nodes)
    {
        _expected = expected;
        foreach (var node in nodes)
        {
            _pending[node] = expected.ToDictionary(e => e.Key);
        }
    }

    public bool Done => _pending.Values.All(p => p.Count == 0);

    public IReadOnlyList<Uri> LaggingNodes => [.. _pending.Where(p => p.Value.Count > 0).Select(p => p.Key)];

    public IReadOnlySet<ConfigKey> PendingKeys => _pending.Values.SelectMany(p => p.Keys).ToHashSet();

    /// <summary>What to ask <paramref name="node"/> about: its unproven keys, with the md5 each must show ("" = absent).</summary>
    public IReadOnlyList<(ConfigKey Key, string Md5)> AskFor(Uri node)
    {
        // Sized up front: at 50,000 keys a list grown by doubling left a chain of large arrays per node and round.
        var pending = _pending[node];
        var keys = new List<(ConfigKey Key, string Md5)>(pending.Count);
        foreach (var e in pending.Values)
        {
            keys.Add((e.Key, e.Md5 ?? ""));
        }

        return keys;
    }

    public IReadOnlyList<ExpectedConfig> StaleOn(Uri node) => [.. _pending[node].Values];

    public void Record(IReadOnlyList<NodeProbeResult> results)
    {
        foreach (var result in results)
        {
            var pending = _pending[result.Node];
            _why.TryGetValue(result.Node, out var why);
            // The reasons are the same text for every key of a node: made once per node, not once per key.
            var servesIt = $"{result.Node.Authority} serves it (wanted absent)";
            var servesOther = $"{result.Node.Authority} serves another md5 or nothing";
            var unasked = result.Failure ?? $"{result.Node.Authority} was not asked";
            // In place, no copy of the keys: a dictionary's enumeration survives removing the current entry.
            foreach (var (key, expected) in pending)
            {
                if (result.Stale.Contains(key))
                {
                    (why ??= WhyOn(result.Node, pending.Count))[key] = expected.Md5 is null ? servesIt : servesOther;
                }
                else if (result.Unknown.Contains(key))
                {
                    (why ??= WhyOn(result.Node, pending.Count))[key] = unasked;
                }
                else
                {
                    pending.Remove(key);
                    why?.Remove(key);
                }
            }
        }
    }

    /// <summary>Every expected key: converged on every node, or pending with the reason on each lagging node.</summary>
    public VerifyOutcome Outcome(IReadOnlyList<string> refreshErrors)
    {
        var converged = new List<ExpectedConfig>(_expected.Count);
        var stuck = new List<(ExpectedConfig, string)>();
        foreach (var e in _expected)
        {
            var reasons = _pending.Where(p => p.Value.ContainsKey(e.Key))
                .Select(p => _why.TryGetValue(p.Key, out var why) && why.TryGetValue(e.Key, out var reason) ? reason : $"{p.Key.Authority} unproven").ToList();
            if (reasons.Count == 0)
            {
                converged.Add(e);
            }
            else
            {
                stuck.Add((e, string.Join("; ", reasons) + $" (wanted {(e.Md5 is { } m ? "md5 " + m : "absent")})"));
            }
        }

        return new VerifyOutcome(converged, stuck, refreshErrors);
    }

    private Dictionary<ConfigKey, string> WhyOn(Uri node, int capacity)
    {
        var why = new Dictionary<ConfigKey, string>(capacity);
        _why[node] = why;
        return why;
    }
}
