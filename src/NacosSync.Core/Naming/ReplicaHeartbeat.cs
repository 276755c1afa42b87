using System.Globalization;
using NacosSync.Core.Options;

namespace NacosSync.Core.Naming;

/// <summary>
/// The instance metadata through which a Nacos server learns an ephemeral instance's heartbeat terms
/// (Nacos: <c>PreservedMetadataKeys</c>, values in milliseconds). A source instance's own values are
/// replaced: the target judges the replica by the daemon's beats, not by the source client's.
/// </summary>
internal static class ReplicaHeartbeat
{
    public const string IntervalKey = "preserved.heart.beat.interval";
    public const string TimeoutKey = "preserved.heart.beat.timeout";
    public const string DeleteTimeoutKey = "preserved.ip.delete.timeout";

    public static IReadOnlyDictionary<string, string> Apply(IReadOnlyDictionary<string, string> metadata, ReplicaHeartbeatOptions terms)
    {
        var result = new Dictionary<string, string>(metadata, StringComparer.Ordinal)
        {
            [IntervalKey] = Millis(terms.Interval),
            [TimeoutKey] = Millis(terms.Timeout),
            [DeleteTimeoutKey] = Millis(terms.DeleteTimeout),
        };
        return result;
    }

    /// <summary>A term the replica declares (<paramref name="key"/>, milliseconds); null when absent or not a positive number.</summary>
    public static TimeSpan? Declared(IReadOnlyDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var millis) && millis > 0
            ? TimeSpan.FromMilliseconds(millis)
            : null;

    private static string Millis(TimeSpan value) => ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
}
