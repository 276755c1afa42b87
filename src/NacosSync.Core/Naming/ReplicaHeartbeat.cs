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
        var result = new Dictionary<string, string>(metadata, StringComparer.Ordinal);
        foreach (var (key, value) in Terms(terms))
        {
            result[key] = value;
        }

        return result;
    }

    /// <summary>The three entries <see cref="Apply"/> sets, to be formatted once and added to many replicas' metadata.</summary>
    public static KeyValuePair<string, string>[] Terms(ReplicaHeartbeatOptions terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        return [new(IntervalKey, Millis(terms.Interval)), new(TimeoutKey, Millis(terms.Timeout)), new(DeleteTimeoutKey, Millis(terms.DeleteTimeout))];
    }

    /// <summary>A term the replica declares (<paramref name="key"/>, milliseconds); null when absent or not a positive number.</summary>
    public static TimeSpan? Declared(IReadOnlyDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var millis) && millis > 0
            ? TimeSpan.FromMilliseconds(millis)
            : null;

    private static string Millis(TimeSpan value) => ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
}
