namespace NacosSync.Core.Config;

/// <summary>
/// Turns a time recorded in <c>his_config_info.gmt_modified</c> into UTC. That column holds a local time
/// without a zone: the database's <c>NOW()</c> in its session time zone (Nacos 2.4+) or the Nacos server's JVM
/// clock (older lines), which may be off from both the database and us. So the recorded time is first moved to
/// UTC with the database's own offset, then bounded by what our clock knows for certain: a change first seen by
/// the read at <c>readAt</c> happened no later than that read, and (when it was not yet visible to the previous
/// read) no earlier than the previous read. A skewed clock then costs at most one run interval of accuracy,
/// never hours, and never a lag of 0 for a change still pending.
/// </summary>
public static class ConfigChangeClock
{
    /// <summary>The database session's offset from UTC, from its <c>NOW()</c> and <c>UTC_TIMESTAMP()</c> read together (rounded to 15 minutes, as time zones are).</summary>
    public static TimeSpan Offset(DateTime databaseNow, DateTime databaseUtcNow)
    {
        var quarter = TimeSpan.FromMinutes(15).Ticks;
        var ticks = (databaseNow - databaseUtcNow).Ticks;
        return TimeSpan.FromTicks((long)Math.Round(ticks / (double)quarter) * quarter);
    }

    /// <param name="recorded">The row's <c>gmt_modified</c>, a zone-less local time.</param>
    /// <param name="databaseOffset">The database's offset from UTC (<see cref="Offset"/>).</param>
    /// <param name="previousReadAt">Our clock when the previous run read the history; null when unknown (the first run).</param>
    /// <param name="readAt">Our clock when this run read the history.</param>
    public static DateTimeOffset ChangedAt(DateTime recorded, TimeSpan databaseOffset, DateTimeOffset? previousReadAt, DateTimeOffset readAt)
    {
        var utc = new DateTimeOffset(DateTime.SpecifyKind(recorded, DateTimeKind.Unspecified) - databaseOffset, TimeSpan.Zero);
        if (utc > readAt)
        {
            return readAt;
        }

        return previousReadAt is { } previous && utc < previous && previous <= readAt ? previous : utc;
    }
}
