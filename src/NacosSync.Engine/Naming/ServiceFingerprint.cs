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
        foreach (var instance in service.Instances)
        {
            var hash = Offset;
            Add(ref hash, instance.Key.Cluster);
            Add(ref hash, instance.Key.Ip);
            Add(ref hash, instance.Key.Port.ToString(CultureInfo.InvariantCulture));
            Add(ref hash, instance.Weight.ToString("R", CultureInfo.InvariantCulture));
            Add(ref hash, instance.Enabled ? "e" : "d");
            Add(ref hash, instance.Healthy ? "h" : "u");
            foreach (var (key, value) in instance.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                Add(ref hash, key);
                Add(ref hash, value);
            }

            unchecked
            {
                sum += hash * 2654435761UL;
            }
        }

        return unchecked((long)sum);
    }

    private static void Add(ref ulong hash, string text)
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
