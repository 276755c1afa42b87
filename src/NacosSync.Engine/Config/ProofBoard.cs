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
    private readonly Dictionary<(ConfigKey, Uri), string> _why = [];

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
    public IReadOnlyList<(ConfigKey Key, string Md5)> AskFor(Uri node) => [.. _pending[node].Values.Select(e => (e.Key, e.Md5 ?? ""))];

    public IReadOnlyList<ExpectedConfig> StaleOn(Uri node) => [.. _pending[node].Values];

    public void Record(IReadOnlyList<NodeProbeResult> results)
    {
        foreach (var result in results)
        {
            var pending = _pending[result.Node];
            foreach (var key in pending.Keys.ToList())
            {
                if (result.Stale.Contains(key))
                {
                    _why[(key, result.Node)] = $"{result.Node.Authority} serves {(pending[key].Md5 is null ? "it (wanted absent)" : "another md5 or nothing")}";
                }
                else if (result.Unknown.Contains(key))
                {
                    _why[(key, result.Node)] = result.Failure ?? $"{result.Node.Authority} was not asked";
                }
                else
                {
                    pending.Remove(key);
                    _why.Remove((key, result.Node));
                }
            }
        }
    }

    /// <summary>Every expected key: converged on every node, or pending with the reason on each lagging node.</summary>
    public VerifyOutcome Outcome(IReadOnlyList<string> refreshErrors)
    {
        var converged = new List<ExpectedConfig>();
        var stuck = new List<(ExpectedConfig, string)>();
        foreach (var e in _expected)
        {
            var reasons = _pending.Where(p => p.Value.ContainsKey(e.Key)).Select(p => _why.GetValueOrDefault((e.Key, p.Key), $"{p.Key.Authority} unproven")).ToList();
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
}
