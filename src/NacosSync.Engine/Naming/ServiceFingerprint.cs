using System.Buffers;
using System.Globalization;
using NacosSync.Core.Naming;

namespace NacosSync.Engine.Naming;

/// <summary>
/// An order-independent fingerprint of a service's instances and their attributes: the applied
/// baseline of the change feed. Stable across processes (FNV-1a over a canonical text, not
/// <see cref="HashCode"/>, which is seeded per process), because baselines are persisted.
/// </summary>
internal static class ServiceFingerprint
{
    private const ulong Offset = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    public static readonly long Empty = Of(new ServiceSnapshot(default, []));

    public static long Of(ServiceSnapshot service)
    {
        ulong sum = (ulong)service.Instances.Count;
        Span<char> number = stackalloc char[32];
        KeyValuePair<string, string>[]? sorted = null;
        try
        {
            foreach (var instance in service.Instances)
            {
                var hash = Offset;
                Add(ref hash, instance.Key.Cluster);
                Add(ref hash, instance.Key.Ip);
                Add(ref hash, Format(instance.Key.Port, number));
                Add(ref hash, Format(instance.Weight, number));
                Add(ref hash, instance.Enabled ? "e" : "d");
                Add(ref hash, instance.Healthy ? "h" : "u");

                // Metadata in ordinal key order, sorted in a rented array: this runs for every service a run reads.
                var count = instance.Metadata.Count;
                if (sorted is null || sorted.Length < count)
                {
                    if (sorted is not null)
                    {
                        ArrayPool<KeyValuePair<string, string>>.Shared.Return(sorted, clearArray: true);
                    }

                    sorted = ArrayPool<KeyValuePair<string, string>>.Shared.Rent(Math.Max(count, 16));
                }

                var n = 0;
                foreach (var entry in MetadataEntries.Of(instance.Metadata))
                {
                    sorted[n++] = entry;
                }

                var entries = sorted.AsSpan(0, n);
                entries.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
                foreach (var (key, value) in entries)
                {
                    Add(ref hash, key);
                    Add(ref hash, value);
                }

                unchecked
                {
                    sum += hash * 2654435761UL;
                }
            }
        }
        finally
        {
            if (sorted is not null)
            {
                ArrayPool<KeyValuePair<string, string>>.Shared.Return(sorted, clearArray: true);
            }
        }

        return unchecked((long)sum);
    }

    // The text ToString(CultureInfo.InvariantCulture) gives (weights "R", round-trip), formatted without a string.
    private static ReadOnlySpan<char> Format(int value, Span<char> buffer) =>
        value.TryFormat(buffer, out var written, default, CultureInfo.InvariantCulture) ? buffer[..written] : value.ToString(CultureInfo.InvariantCulture);

    private static ReadOnlySpan<char> Format(double value, Span<char> buffer) =>
        value.TryFormat(buffer, out var written, "R", CultureInfo.InvariantCulture) ? buffer[..written] : value.ToString("R", CultureInfo.InvariantCulture);

    private static void Add(ref ulong hash, ReadOnlySpan<char> text)
    {
        unchecked
        {
            foreach (var c in text)
            {
                hash = (hash ^ c) * Prime;
            }

            hash = (hash ^ 0xFFFF) * Prime; // a separator no character produces
        }
    }
}

/// <summary>A source service as a full run hands it to the change feed: its key and applied fingerprint, without its instances.</summary>
internal readonly record struct ServiceBaseline(ServiceKey Key, long Hash)
{
    /// <summary>The list call hides disabled instances, so the baseline leaves them out too.</summary>
    public static ServiceBaseline Of(ServiceSnapshot service) =>
        new(service.Key, ServiceFingerprint.Of(service with { Instances = [.. service.Instances.Where(i => i.Enabled)] }));
}
