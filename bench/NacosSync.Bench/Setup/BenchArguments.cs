using System.Globalization;

namespace NacosSync.Bench.Setup;

/// <summary>
/// <c>run --workload S|L [--scenario initial,nochange,steady,rest,burst,limits] [--out DIR] [--profiles 2.4:2.4]
/// [--rest-seconds N] [--steady-seconds N] [--set Key=Value ...] [--daemon-env NAME=VALUE ...] [--daemon-dll PATH]</c>. Bad input is an
/// error naming the flag. <c>--daemon-env</c> sets an environment variable of the daemon's process alone (a runtime knob such
/// as <c>DOTNET_gcConcurrent=0</c>), so the sandboxes and the harness run as before. <c>--daemon-dll</c> runs another build of
/// the daemon (a ReadyToRun publish, say) while the sandboxes stay on the Release build output.
/// </summary>
internal sealed record BenchArguments(
    Workload Workload,
    IReadOnlyList<string> Scenarios,
    string OutDirectory,
    string SourceProfile,
    string TargetProfile,
    TimeSpan Rest,
    TimeSpan Steady,
    IReadOnlyList<KeyValuePair<string, string>> Overrides,
    IReadOnlyList<KeyValuePair<string, string>> DaemonEnvironment,
    string? DaemonDll = null)
{
    public static readonly IReadOnlyList<string> AllScenarios = ["initial", "nochange", "steady", "rest", "burst", "limits"];

    /// <summary>The scenarios that measure one kind alone; the others change, or time, both kinds.</summary>
    public static readonly IReadOnlyList<string> OneKindScenarios = ["initial", "limits"];

    private static readonly string[] Kinds = ["Naming", "Config"];

    /// <summary>Whether the daemon syncs naming: false when <c>--set Tasks:bench:Naming:Enabled=false</c>.</summary>
    public bool Naming => KindEnabled(Overrides, "Naming");

    /// <summary>Whether the daemon syncs configs: false when <c>--set Tasks:bench:Config:Enabled=false</c>.</summary>
    public bool Config => KindEnabled(Overrides, "Config");

    public static BenchArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0 || args[0] != "run")
        {
            throw new ArgumentException("usage: run --workload S|L [--scenario " + string.Join(',', AllScenarios) + "] [--out DIR] [--profiles 2.4:2.4] [--rest-seconds N] [--steady-seconds N] [--set Key=Value ...] [--daemon-env NAME=VALUE ...] [--daemon-dll PATH]");
        }

        Workload? workload = null;
        IReadOnlyList<string> scenarios = AllScenarios;
        string? outDirectory = null;
        var (source, target) = ("2.4", "2.4");
        TimeSpan? rest = null;
        TimeSpan? steady = null;
        var overrides = new List<KeyValuePair<string, string>>();
        var daemonEnvironment = new List<KeyValuePair<string, string>>();
        string? daemonDll = null;
        for (var i = 1; i < args.Count; i++)
        {
            var flag = args[i];
            var value = i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{flag} needs a value");
            switch (flag)
            {
                case "--workload":
                    workload = Workload.Parse(value) ?? throw new ArgumentException($"--workload '{value}' is not S or L");
                    break;
                case "--scenario":
                    var names = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (names.FirstOrDefault(n => !AllScenarios.Contains(n)) is { } unknown || names.Length == 0)
                    {
                        throw new ArgumentException($"--scenario '{value}': each must be one of {string.Join(", ", AllScenarios)}");
                    }

                    scenarios = [.. AllScenarios.Where(names.Contains)];
                    break;
                case "--out":
                    outDirectory = value;
                    break;
                case "--profiles":
                    var pair = value.Split(':');
                    if (pair.Length != 2 || pair.Any(p => !Profiles.Known.Contains(p)))
                    {
                        throw new ArgumentException($"--profiles '{value}' must be SOURCE:TARGET, each one of {string.Join(", ", Profiles.Known)}");
                    }

                    (source, target) = (pair[0], pair[1]);
                    break;
                case "--rest-seconds":
                    rest = Seconds(flag, value);
                    break;
                case "--steady-seconds":
                    steady = Seconds(flag, value);
                    break;
                case "--set":
                    overrides.Add(ParseOverride(value));
                    break;
                case "--daemon-env":
                    daemonEnvironment.Add(ParseEnvironment(value));
                    break;
                case "--daemon-dll":
                    daemonDll = ParseDaemonDll(value);
                    break;
                default:
                    throw new ArgumentException($"unknown option '{flag}'");
            }
        }

        if (workload is null)
        {
            throw new ArgumentException("--workload is required (S or L)");
        }

        var disabled = Kinds.Where(k => !KindEnabled(overrides, k)).ToList();
        if (disabled.Count == 2)
        {
            throw new ArgumentException($"--set Tasks:{DaemonSettings.Task}:Naming:Enabled=false and Tasks:{DaemonSettings.Task}:Config:Enabled=false: nothing would be synced");
        }

        if (disabled.Count == 1 && scenarios.Where(n => !OneKindScenarios.Contains(n)).ToList() is { Count: > 0 } both)
        {
            throw new ArgumentException($"--set Tasks:{DaemonSettings.Task}:{disabled[0]}:Enabled=false: scenario(s) {string.Join(", ", both)} need both kinds; "
                + $"with one kind run --scenario {string.Join(',', OneKindScenarios)} (or initial)");
        }

        return new BenchArguments(workload, scenarios,
            outDirectory ?? Path.Combine("bench", "results", $"{workload.Name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}"),
            source, target,
            rest ?? (workload == Workload.L ? TimeSpan.FromMinutes(5) : TimeSpan.FromSeconds(60)),
            steady ?? TimeSpan.FromSeconds(workload == Workload.L ? 60 : 30),
            overrides, daemonEnvironment, daemonDll);
    }

    /// <summary>Repeated keys (<c>--set</c>, <c>--daemon-env</c> given twice) as one map: the last given wins, as the daemon's configuration and a process's environment read them.</summary>
    public static Dictionary<string, string> LastWins(IEnumerable<KeyValuePair<string, string>> pairs) =>
        pairs.GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);

    /// <summary>The full path of an existing <c>nacos-sync.dll</c>; anything else is an error naming the path.</summary>
    public static string ParseDaemonDll(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        if (!string.Equals(Path.GetFileName(full), "nacos-sync.dll", StringComparison.Ordinal))
        {
            throw new ArgumentException($"--daemon-dll '{path}' must name a nacos-sync.dll (e.g. the output of dotnet publish src/NacosSync -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o DIR)");
        }

        if (!File.Exists(full))
        {
            throw new ArgumentException($"--daemon-dll '{path}': {full} does not exist");
        }

        return full;
    }

    /// <summary><c>NAME=VALUE</c>, NAME an environment variable's name (letters, digits, '_'; not starting with a digit).</summary>
    public static KeyValuePair<string, string> ParseEnvironment(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        var name = eq < 0 ? "" : text[..eq];
        if (name.Length == 0 || char.IsAsciiDigit(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException($"--daemon-env '{text}' must be NAME=VALUE with NAME an environment variable's name, like DOTNET_gcConcurrent=0");
        }

        return new(name, text[(eq + 1)..]);
    }

    /// <summary><c>Key=Value</c>; the key is a configuration path with ':' (Clusters:target:Transport).</summary>
    public static KeyValuePair<string, string> ParseOverride(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        var key = eq < 0 ? "" : text[..eq].Trim();
        if (key.Length == 0 || key.Split(':').Any(s => s.Length == 0))
        {
            throw new ArgumentException($"--set '{text}' must be Key=Value with a key like Clusters:target:Transport");
        }

        return new(key, text[(eq + 1)..]);
    }

    /// <summary>The last <c>Tasks:bench:KIND:Enabled</c> override wins, as in the daemon's configuration; absent means enabled.</summary>
    private static bool KindEnabled(IEnumerable<KeyValuePair<string, string>> overrides, string kind) =>
        overrides.LastOrDefault(o => string.Equals(o.Key, $"Tasks:{DaemonSettings.Task}:{kind}:Enabled", StringComparison.OrdinalIgnoreCase)) is not { Key: not null } o
        || !bool.TryParse(o.Value, out var enabled) || enabled;

    private static TimeSpan Seconds(string flag, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? TimeSpan.FromSeconds(n)
            : throw new ArgumentException($"{flag} '{value}' must be a positive whole number of seconds");
}
