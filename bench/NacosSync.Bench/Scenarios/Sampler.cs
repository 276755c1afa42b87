using NacosSync.Bench.Measure;
using NacosSync.Bench.Setup;

namespace NacosSync.Bench.Scenarios;

/// <summary>Snapshots of what is measured from outside at a moment: both clusters' request counts and the daemon's /proc.</summary>
internal sealed record Snapshot(DateTimeOffset At, RequestCounts Source, RequestCounts Target, ProcSample? Daemon)
{
    public static async Task<Snapshot> TakeAsync(BenchEnvironment env, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(env);
        var source = RequestCounts.Sum(await env.Source.RequestCountsAsync(ct));
        var target = RequestCounts.Sum(await env.Target.RequestCountsAsync(ct));
        var daemon = env.Daemon is { HasExited: false } d ? ProcSample.Read(d.Pid) : null;
        return new Snapshot(DateTimeOffset.UtcNow, source, target, daemon);
    }

    public double Seconds(Snapshot earlier) => (At - earlier.At).TotalSeconds;

    /// <summary>Daemon CPU use between the two snapshots, in percent of one core.</summary>
    public double DaemonCpuPercent(Snapshot earlier) =>
        Daemon is { } now && earlier.Daemon is { } then ? (now.CpuSeconds - then.CpuSeconds) / Seconds(earlier) * 100 : double.NaN;
}
