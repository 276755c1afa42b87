using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace NacosSync.Bench.Report;

/// <summary>One figure of the table: its value, the issue's target for workload L, whether it is met, what bounds it.</summary>
/// <param name="Met">null when the figure has no target (a limit, a context figure) or was not measured.</param>
internal sealed record Figure(string Scenario, string Name, double Value, string Unit, string Target, bool? Met, string BoundBy);

/// <summary>Everything a run measured; written as results.json and results.md.</summary>
internal sealed class BenchResults
{
    public required string Workload { get; init; }

    public required string Command { get; init; }

    public required DateTimeOffset Started { get; init; }

    public required string Profiles { get; init; }

    /// <summary>The <c>--set</c> overrides given to the daemon (transport, replica holding mode, ...), as given.</summary>
    public required IReadOnlyDictionary<string, string> DaemonOverrides { get; init; }

    /// <summary>Environment variables set on the daemon's process alone (<c>--daemon-env</c>).</summary>
    public required IReadOnlyDictionary<string, string> DaemonEnvironment { get; init; }

    /// <summary>The <c>nacos-sync.dll</c> the daemon ran when not the Release build output (<c>--daemon-dll</c>).</summary>
    public string? DaemonDll { get; init; }

    public List<Figure> Figures { get; } = [];

    /// <summary>Raw observations per scenario (request breakdowns, run results), for whoever reads the JSON.</summary>
    public Dictionary<string, object> Details { get; } = new(StringComparer.Ordinal);

    /// <summary>Latency samples (seconds) by series, for the chart.</summary>
    public Dictionary<string, List<double>> Latencies { get; } = new(StringComparer.Ordinal);

    public string Machine { get; init; } = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}";

    public void Add(Figure figure) => Figures.Add(figure);

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>The README table: one row per figure.</summary>
    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Workload {Workload}, profiles {Profiles}, {Machine}, started {Started:yyyy-MM-dd HH:mm} UTC.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Command: `{Command}`");
        md.AppendLine(CultureInfo.InvariantCulture, $"Daemon overrides: {(DaemonOverrides.Count == 0 ? "none (defaults)" : string.Join(", ", DaemonOverrides.Select(o => $"`{o.Key}={o.Value}`")))}");
        if (DaemonEnvironment.Count > 0)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"Daemon environment: {string.Join(", ", DaemonEnvironment.Select(e => $"`{e.Key}={e.Value}`"))}");
        }

        if (DaemonDll is not null)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"Daemon build: `{DaemonDll}` (the sandboxes: the Release build output)");
        }

        md.AppendLine();
        md.AppendLine("| figure | value | target (L) | met? | what bounds it |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var f in Figures)
        {
            var met = f.Met switch { true => "yes", false => "**no**", null => "–" };
            md.AppendLine(CultureInfo.InvariantCulture, $"| {f.Scenario}: {f.Name} | {Format(f.Value)} {f.Unit} | {f.Target} | {met} | {f.BoundBy} |");
        }

        return md.ToString();
    }

    public static string Format(double value) => double.IsNaN(value) ? "n/a"
        : Math.Abs(value) >= 100 ? value.ToString("#,0", CultureInfo.InvariantCulture)
        : Math.Abs(value) >= 10 ? value.ToString("0.0", CultureInfo.InvariantCulture)
        : value.ToString("0.00", CultureInfo.InvariantCulture);
}
