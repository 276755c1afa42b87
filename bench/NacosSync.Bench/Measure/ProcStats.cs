using System.Globalization;

namespace NacosSync.Bench.Measure;

/// <summary>A process's CPU time and memory as Linux reports them in <c>/proc/&lt;pid&gt;/stat</c> and <c>/status</c>.</summary>
/// <param name="CpuSeconds">User plus system time so far.</param>
/// <param name="RssBytes">Resident set now (VmRSS).</param>
/// <param name="PeakRssBytes">Peak resident set, the peak working set (VmHWM).</param>
internal sealed record ProcSample(double CpuSeconds, long RssBytes, long PeakRssBytes)
{
    /// <summary>Reads the live process; clock ticks are 100 per second (USER_HZ on every Linux architecture .NET runs on).</summary>
    public static ProcSample Read(int pid) =>
        ProcStats.Parse(File.ReadAllText($"/proc/{pid}/stat"), File.ReadAllText($"/proc/{pid}/status"), ticksPerSecond: 100);
}

internal static class ProcStats
{
    /// <summary>utime and stime are fields 14 and 15 of <c>stat</c>, counted after the command name,
    /// which is in parentheses and may itself hold spaces and parentheses (so the split starts after the last ')').</summary>
    public static ProcSample Parse(string stat, string status, int ticksPerSecond)
    {
        ArgumentNullException.ThrowIfNull(stat);
        ArgumentNullException.ThrowIfNull(status);
        var close = stat.LastIndexOf(')');
        var fields = close < 0 ? [] : stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state), so field n is fields[n - 3].
        if (fields.Length < 13
            || !long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out var utime)
            || !long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out var stime))
        {
            throw new FormatException($"/proc/<pid>/stat has no utime/stime: '{stat.Trim()}'");
        }

        return new ProcSample((utime + stime) / (double)ticksPerSecond, StatusKiB(status, "VmRSS") * 1024, StatusKiB(status, "VmHWM") * 1024);
    }

    private static long StatusKiB(string status, string key)
    {
        foreach (var line in status.Split('\n'))
        {
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
            {
                var parts = line[(key.Length + 1)..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 2 && parts[1] == "kB" && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
                {
                    return kib;
                }

                throw new FormatException($"/proc/<pid>/status line '{line.Trim()}' is not '<n> kB'");
            }
        }

        throw new FormatException($"/proc/<pid>/status has no {key} line");
    }
}
