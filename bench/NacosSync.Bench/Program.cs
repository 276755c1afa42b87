using System.Runtime.InteropServices;
using NacosSync.Bench.Micro;
using NacosSync.Bench.Measure;
using NacosSync.Bench.Report;
using NacosSync.Bench.Scenarios;
using NacosSync.Bench.Setup;

// One benchmark harness for registry scale (issue 13). See README, "Benchmarks".
BenchArguments arguments;
try
{
    arguments = BenchArguments.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync($"NacosSync.Bench: {ex.Message}");
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

// A run stopped by kill (SIGTERM) or a closed terminal (SIGHUP) ends as Ctrl-C does: its daemon, sandboxes and MariaDB
// are stopped and its temp directory removed, instead of left running.
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    cancel.Cancel();
}

using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var onHangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
var ct = cancel.Token;
var selected = arguments.Scenarios.ToHashSet(StringComparer.Ordinal);
var results = new BenchResults
{
    Workload = arguments.Workload.Name,
    Command = "dotnet run -c Release --project bench/NacosSync.Bench -- " + string.Join(' ', args),
    Started = DateTimeOffset.UtcNow,
    Profiles = $"{arguments.SourceProfile} → {arguments.TargetProfile}",
    DaemonOverrides = BenchArguments.LastWins(arguments.Overrides),
    DaemonEnvironment = BenchArguments.LastWins(arguments.DaemonEnvironment),
    DaemonDll = arguments.DaemonDll,
};

var failure = (Exception?)null;
var outDirectory = Path.GetFullPath(arguments.OutDirectory);
try
{
    await using var env = await BenchEnvironment.StartAsync(arguments, ct);
    var state = new TargetState(arguments.Workload, env.Configs);
    double? ceiling = null;
    if (selected.Contains("limits"))
    {
        ceiling = await LimitScenarios.WriteCeilingAsync(env, ct);
        results.Add(new Figure("limits", "write ceiling: bare load generator, same instances into the same target (HTTP, 64 in flight)", ceiling.Value, "instances/s", "–", null,
            "the target sandbox (2 cores shared with the generator)"));
    }

    // The daemon's memory and CPU after each scenario (VmHWM only grows: the scenario that raised it is the one to look at).
    var byScenario = new List<object>();
    results.Details["daemonAfterScenario"] = byScenario;
    void Mark(string scenario)
    {
        var p = ProcSample.Read(env.Daemon!.Pid);
        byScenario.Add(new { scenario, rssMb = p.RssBytes / 1048576.0, peakMb = p.PeakRssBytes / 1048576.0, cpuSeconds = p.CpuSeconds });
        BenchEnvironment.Log($"daemon after {scenario}: RSS {p.RssBytes / 1048576.0:0} MB, peak {p.PeakRssBytes / 1048576.0:0} MB, CPU {p.CpuSeconds:0.0} s");
    }

    // The daemon always makes the initial copy: every later scenario starts from a converged target.
    await CopyScenarios.InitialAsync(env, state, results, ceiling, selected.Contains("initial"), ct);
    Mark("initial");
    if (selected.Contains("nochange"))
    {
        await CopyScenarios.NoChangeAsync(env, results, ct);
        Mark("nochange");
    }

    if (selected.Contains("steady"))
    {
        await SteadyScenario.RunAsync(env, state, results, ct);
        Mark("steady");
    }

    if (selected.Contains("rest"))
    {
        await RestBurstScenarios.RestAsync(env, results, ct);
        Mark("rest");
    }

    if (selected.Contains("burst"))
    {
        await RestBurstScenarios.BurstAsync(env, state, results, ct);
        Mark("burst");
    }

    var peak = ProcSample.Read(env.Daemon!.Pid);
    results.Add(new Figure("all", "daemon peak working set (VmHWM, whole run)", peak.PeakRssBytes / 1024.0 / 1024.0, "MB", "≤ 300 MB", peak.PeakRssBytes <= 300L * 1024 * 1024,
        "the runtime (~140 MB outside the GC heap), the 100,000 kept replicas, one namespace's snapshots of both sides (README: Benchmarks)"));
    results.Add(new Figure("all", "daemon CPU time (whole run)", peak.CpuSeconds, "s", "–", null, "–"));
    await env.Daemon.DisposeAsync();

    if (selected.Contains("limits"))
    {
        await LimitScenarios.ConfigDiffAsync(env, results, ct);
        await KeptSetWrites.RunAsync(env, results, ct);
        MicroScenario.Run(env, results);
    }
}
catch (Exception ex) when (ex is not OutOfMemoryException)
{
    failure = ex;
    results.Details["failure"] = ex.ToString();
}

Directory.CreateDirectory(outDirectory);
var chart = LatencyChart.Write(results.Latencies, outDirectory);
if (chart is not null)
{
    results.Details["chart"] = chart;
}

await File.WriteAllTextAsync(Path.Combine(outDirectory, "results.json"), results.ToJson(), CancellationToken.None);
var markdown = results.ToMarkdown();
await File.WriteAllTextAsync(Path.Combine(outDirectory, "results.md"), markdown, CancellationToken.None);
Console.WriteLine(markdown);
Console.WriteLine($"results: {outDirectory}/results.json, results.md{(chart is null ? ", latency.png" : $" (no chart: {chart})")}");
if (failure is not null)
{
    await Console.Error.WriteLineAsync($"NacosSync.Bench: the run failed: {failure}");
    return 1;
}

return 0;
