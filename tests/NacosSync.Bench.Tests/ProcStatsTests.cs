using NacosSync.Bench.Measure;

namespace NacosSync.Bench.Tests;

[TestFixture]
public sealed class ProcStatsTests
{
    // proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime ...
    private const string Stat = "4242 (dotnet (x) y) S 1 4242 4242 0 -1 4194560 52345 0 12 0 1234 567 0 0 20 0 24 0 98765 3000000000 57600 18446744073709551615";

    private const string Status = "Name:\tdotnet\nVmPeak:\t 3301234 kB\nVmHWM:\t  401234 kB\nVmRSS:\t  235948 kB\nThreads:\t24\n";

    [Test]
    public void Cpu_is_utime_plus_stime_after_a_command_name_holding_spaces_and_parentheses()
    {
        var sample = ProcStats.Parse(Stat, Status, ticksPerSecond: 100);
        Assert.That(sample.CpuSeconds, Is.EqualTo(18.01).Within(1e-9), "(1234 + 567) ticks / 100");
    }

    [Test]
    public void Memory_is_vmrss_now_and_vmhwm_as_the_peak_in_bytes()
    {
        var sample = ProcStats.Parse(Stat, Status, ticksPerSecond: 100);
        Assert.That(sample.RssBytes, Is.EqualTo(235_948L * 1024));
        Assert.That(sample.PeakRssBytes, Is.EqualTo(401_234L * 1024), "VmHWM, not VmPeak (virtual)");
    }

    [Test]
    public void A_status_without_vmhwm_is_an_error_naming_the_key()
    {
        var error = Assert.Throws<FormatException>(() => ProcStats.Parse(Stat, "VmRSS:\t 1 kB\n", 100));
        Assert.That(error!.Message, Does.Contain("VmHWM"));
    }

    [Test]
    public void A_truncated_stat_is_an_error()
    {
        Assert.Throws<FormatException>(() => ProcStats.Parse("4242 (dotnet) S 1 2 3", Status, 100));
    }

    [Test]
    public void This_process_reads_with_a_peak_at_least_its_current_resident_set()
    {
        var sample = ProcSample.Read(Environment.ProcessId);
        Assert.That(sample.RssBytes, Is.GreaterThan(1024 * 1024), "a .NET process holds more than 1 MB");
        Assert.That(sample.PeakRssBytes, Is.GreaterThanOrEqualTo(sample.RssBytes));
        Assert.That(sample.CpuSeconds, Is.GreaterThan(0));
    }
}
