using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using NacosSync.Bench.Report;
using NacosSync.Bench.Setup;

namespace NacosSync.Bench.Micro;

/// <summary>Runs <see cref="DiffBenchmarks"/> with BenchmarkDotNet in this process (no generated project to build), once the daemon has stopped.</summary>
internal static class MicroScenario
{
    public static void Run(BenchEnvironment env, BenchResults results)
    {
        var config = ManualConfig.CreateMinimumViable()
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
            .AddLogger(ConsoleLogger.Default)
            .WithArtifactsPath(Path.Combine(env.OutDirectory, "BenchmarkDotNet"))
            .WithOptions(ConfigOptions.DisableLogFile);
        var summary = BenchmarkRunner.Run<DiffBenchmarks>(config);
        foreach (var report in summary.Reports)
        {
            var name = report.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo;
            var mean = report.ResultStatistics?.Mean / 1e6 ?? double.NaN;
            var allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) is { } bytes ? bytes / 1024.0 / 1024.0 : double.NaN;
            results.Add(new Figure("limits", $"micro: {name.Trim('\'')} (BenchmarkDotNet mean; {allocated:0.0} MB allocated/op)", mean, "ms", "–", null,
                "CPU of the pure planner; the I/O around it dominates a real run"));
        }

        results.Details["micro"] = summary.Reports.Select(r => new
        {
            name = r.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo,
            meanMs = r.ResultStatistics?.Mean / 1e6,
            stdDevMs = r.ResultStatistics?.StandardDeviation / 1e6,
            n = r.ResultStatistics?.N,
        }).ToList();
    }
}
