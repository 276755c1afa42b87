using System.Runtime.CompilerServices;

namespace NacosSync.Core.Config;

/// <summary>What a difference between source and target asks for.</summary>
public enum ConfigChangeKind
{
    /// <summary>In the source, not in the target.</summary>
    Add,

    /// <summary>In both, with another md5 or other attributes.</summary>
    Update,

    /// <summary>In the target, not in the source: a removal candidate, subject to ownership and guards.</summary>
    Remove,
}

/// <summary>One difference, keyed by the target key. <see cref="Source"/> is null for removals, <see cref="Target"/> for additions.</summary>
public sealed record ConfigDifference(ConfigChangeKind Kind, ConfigKey Key, ConfigDigest? Source, ConfigDigest? Target);

/// <summary>
/// Streaming merge-join of two key-ordered digest streams. Holds one row of each side at a time, so
/// memory stays flat however large the tables grow. Both inputs must be sorted by
/// <see cref="ConfigKeyComparer"/> and carry target keys (the source side already mapped); an input
/// out of order stops the diff with an exception rather than report false removals.
/// </summary>
public static class ConfigDiff
{
    public static async IAsyncEnumerable<ConfigDifference> DiffAsync(
        IAsyncEnumerable<ConfigDigest> source,
        IAsyncEnumerable<ConfigDigest> target,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var comparer = ConfigKeyComparer.Instance;
        await using var s = new OrderedCursor(source.GetAsyncEnumerator(cancellationToken), "source");
        await using var t = new OrderedCursor(target.GetAsyncEnumerator(cancellationToken), "target");
        var hasS = await s.MoveNextAsync();
        var hasT = await t.MoveNextAsync();
        while (hasS || hasT)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var c = !hasS ? 1 : !hasT ? -1 : comparer.Compare(s.Current.Key, t.Current.Key);
            if (c < 0)
            {
                yield return new ConfigDifference(ConfigChangeKind.Add, s.Current.Key, s.Current, null);
                hasS = await s.MoveNextAsync();
            }
            else if (c > 0)
            {
                yield return new ConfigDifference(ConfigChangeKind.Remove, t.Current.Key, null, t.Current);
                hasT = await t.MoveNextAsync();
            }
            else
            {
                if (!s.Current.SameAs(t.Current))
                {
                    yield return new ConfigDifference(ConfigChangeKind.Update, s.Current.Key, s.Current, t.Current);
                }

                hasS = await s.MoveNextAsync();
                hasT = await t.MoveNextAsync();
            }
        }
    }

    /// <summary>Compares one source row with the target's row of the same key (either may be absent); null when equal.</summary>
    public static ConfigDifference? Compare(ConfigKey key, ConfigDigest? source, ConfigDigest? target) => (source, target) switch
    {
        (null, null) => null,
        (not null, null) => new ConfigDifference(ConfigChangeKind.Add, key, source, null),
        (null, not null) => new ConfigDifference(ConfigChangeKind.Remove, key, null, target),
        _ => source.SameAs(target) ? null : new ConfigDifference(ConfigChangeKind.Update, key, source, target),
    };

    private sealed class OrderedCursor(IAsyncEnumerator<ConfigDigest> inner, string side) : IAsyncDisposable
    {
        private ConfigKey? _previous;

        public ConfigDigest Current => inner.Current;

        public async ValueTask<bool> MoveNextAsync()
        {
            if (!await inner.MoveNextAsync())
            {
                return false;
            }

            var key = inner.Current.Key;
            if (_previous is { } previous && ConfigKeyComparer.Instance.Compare(previous, key) >= 0)
            {
                throw new InvalidOperationException($"The {side} rows are not in key order ({previous} before {key}); the diff stops rather than guess.");
            }

            _previous = key;
            return true;
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
