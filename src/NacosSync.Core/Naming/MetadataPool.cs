using System.Collections.Concurrent;

namespace NacosSync.Core.Naming;

/// <summary>
/// Shares equal metadata maps and cluster names between the replicas the daemon keeps. Instances of one service
/// mostly carry the same metadata (zone, version, the heartbeat terms and owner stamps a replica gets), yet every
/// read parses its own copy of each key and value: at 100,000 kept replicas those copies were a third of the live
/// heap. The maps shared are never changed by anyone (<see cref="NamingInstance.Metadata"/> is read-only).
/// Bounded: past <see cref="Capacity"/> entries the pool starts again empty (maps handed out stay valid, only later
/// equal ones are no longer shared with them), so instances whose metadata is unique cost at most that many entries.
/// </summary>
internal sealed class MetadataPool
{
    public const int Capacity = 16_384;

    private readonly Generation<MetadataContent> _maps = new(EqualityComparer<MetadataContent>.Default);
    private readonly Generation<string> _names = new(StringComparer.Ordinal);

    /// <summary>The pool replicas are built with.</summary>
    public static MetadataPool Shared { get; } = new();

    /// <summary>A map equal to <paramref name="metadata"/>: one handed out before, or this one from now on.</summary>
    public IReadOnlyDictionary<string, string> Share(IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return _maps.Share(new MetadataContent(metadata)).Map;
    }

    /// <summary>An equal name (a cluster) handed out before, or this one from now on.</summary>
    public string Share(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _names.Share(name);
    }

    /// <summary>The values handed out, equal ones once; started again empty past <see cref="Capacity"/>.</summary>
    private sealed class Generation<T>(IEqualityComparer<T> comparer) where T : notnull
    {
        private ConcurrentDictionary<T, T> _items = new(comparer);
        private int _count;

        public T Share(T value)
        {
            var items = _items;
            if (items.TryGetValue(value, out var shared))
            {
                return shared;
            }

            // Counted here, not by ConcurrentDictionary.Count (which takes every lock); a race only moves the bound a little.
            if (Interlocked.Increment(ref _count) > Capacity)
            {
                _items = items = new ConcurrentDictionary<T, T>(comparer);
                Interlocked.Exchange(ref _count, 1);
            }

            return items.GetOrAdd(value, value);
        }
    }

    /// <summary>A map compared by content: same keys with the same values, in any order.</summary>
    private readonly struct MetadataContent(IReadOnlyDictionary<string, string> map) : IEquatable<MetadataContent>
    {
        private readonly int _hash = HashOf(map);

        public IReadOnlyDictionary<string, string> Map { get; } = map;

        public bool Equals(MetadataContent other) => _hash == other._hash && NamingInstance.MetadataEquals(Map, other.Map);

        public override bool Equals(object? obj) => obj is MetadataContent other && Equals(other);

        public override int GetHashCode() => _hash;

        private static int HashOf(IReadOnlyDictionary<string, string> map)
        {
            var hash = map.Count;
            foreach (var (key, value) in MetadataEntries.Of(map))
            {
                unchecked
                {
                    hash += HashCode.Combine(StringComparer.Ordinal.GetHashCode(key), StringComparer.Ordinal.GetHashCode(value)); // order-independent
                }
            }

            return hash;
        }
    }
}
