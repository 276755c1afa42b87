namespace NacosSync.Core.Filtering;

/// <summary>
/// Source → target names of a task (namespaces or groups): names absent from the map keep their
/// name. Reversible so target reads can be scoped to what the task writes.
/// </summary>
internal sealed class NameMapping
{
    private readonly Dictionary<string, string> _forward;
    private readonly Dictionary<string, string> _backward;

    public NameMapping(IReadOnlyDictionary<string, string> map)
    {
        _forward = new Dictionary<string, string>(map, StringComparer.Ordinal);
        _backward = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (from, to) in map)
        {
            _backward.TryAdd(to, from);
        }
    }

    public bool IsEmpty => _forward.Count == 0;

    public IEnumerable<string> Sources => _forward.Keys;

    public string ToTarget(string source) => _forward.TryGetValue(source, out var target) ? target : source;

    /// <summary>The source name written to <paramref name="target"/>, or null when another name is mapped onto that name's identity.</summary>
    public string? ToSource(string target)
    {
        if (_backward.TryGetValue(target, out var source))
        {
            return source;
        }

        // An unmapped name maps to itself, unless it is itself mapped elsewhere.
        return _forward.ContainsKey(target) ? null : target;
    }
}
