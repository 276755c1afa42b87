using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace NacosSync.IntegrationTests.HighAvailability;

/// <summary>
/// One daemon as an operator runs it: the built CLI, <c>nacos-sync run --config FILE</c>, in its own OS process
/// (so <see cref="KillAsync"/> is a real SIGKILL: no shutdown hook, no lease release, no Quartz check-out). Extra
/// settings go in as <c>NACOSSYNC__</c> environment variables, the way a deployment overrides its file.
/// </summary>
internal sealed partial class DaemonProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly string _configPath;
    private Process _process;

    private DaemonProcess(string name, Uri endpoint, string configPath, Process process)
    {
        Name = name;
        Endpoint = endpoint;
        _configPath = configPath;
        _process = process;
        Http = new HttpClient { BaseAddress = endpoint, Timeout = TimeSpan.FromSeconds(5) };
    }

    /// <summary><c>HighAvailability:ReplicaName</c>, the <c>replica</c> label of <c>nacossync_task_owner</c>.</summary>
    public string Name { get; }

    public Uri Endpoint { get; }

    public HttpClient Http { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Writes <paramref name="settings"/> (the JSON file's content) and starts the process on a free port.</summary>
    /// <param name="overrides">Configuration keys (<c>Tasks:t:Naming:ReplicaHolding</c>) set through the environment.</param>
    public static DaemonProcess Start(string name, IDictionary<string, object> settings, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var endpoint = new Uri($"http://127.0.0.1:{FreePort()}");
        var all = new Dictionary<string, object>(settings)
        {
            ["Endpoint"] = new { Url = endpoint.ToString().TrimEnd('/') },
            ["HighAvailability"] = new { ReplicaName = name },
        };
        var configPath = Path.Combine(Path.GetTempPath(), $"nacos-sync-{name}-{Guid.NewGuid():N}.json");
        File.WriteAllText(configPath, JsonSerializer.Serialize(all));
        var daemon = new DaemonProcess(name, endpoint, configPath, null!);
        daemon._process = daemon.Launch(overrides);
        return daemon;
    }

    /// <summary>Starts the process again with the same file, name and port (a restarted pod; a new instance id).</summary>
    public void Restart(IReadOnlyDictionary<string, string>? overrides = null)
    {
        if (!_process.HasExited)
        {
            throw new InvalidOperationException($"{Name} is still running");
        }

        _process.Dispose();
        _process = Launch(overrides);
    }

    /// <summary>SIGKILL, and waits for the process to be gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>The last lines the process wrote, for a failure message.</summary>
    public string Tail(int chars = 3000)
    {
        lock (_output)
        {
            return _output.Length <= chars ? _output.ToString() : _output.ToString(_output.Length - chars, chars);
        }
    }

    /// <summary>/metrics, or null while the process does not answer (starting, killed).</summary>
    public async Task<string?> ScrapeAsync()
    {
        try
        {
            return await Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>/metrics of a process that must answer: retried for 10 s, then an error naming the daemon.</summary>
    public async Task<string> ScrapeRequiredAsync()
    {
        for (var attempt = 0; attempt < 40; attempt++)
        {
            if (await ScrapeAsync() is { } metrics)
            {
                return metrics;
            }

            await Task.Delay(250);
        }

        throw new InvalidOperationException($"{Name} does not answer /metrics:\n{Tail()}");
    }

    /// <summary>The sum of <paramref name="metric"/>'s samples with <paramref name="labels"/> on this daemon, which must answer.</summary>
    public async Task<double> CounterAsync(string metric, params (string Name, string Value)[] labels) =>
        Sum(await ScrapeRequiredAsync(), metric, labels);

    /// <summary>Whether the process answers and reports owning <paramref name="task"/> (<c>nacossync_task_owner</c> 1).</summary>
    public async Task<bool?> OwnsAsync(string task)
    {
        var metrics = await ScrapeAsync();
        return metrics is null ? null : Sum(metrics, "nacossync_task_owner", ("task", task), ("replica", Name)) > 0;
    }

    /// <summary>
    /// The sum of every sample of <paramref name="metric"/> whose labels include <paramref name="labels"/>
    /// (Prometheus text format); 0 when there is none.
    /// </summary>
    public static double Sum(string metrics, string metric, params (string Name, string Value)[] labels)
    {
        var sum = 0.0;
        foreach (var line in metrics.Split('\n'))
        {
            if (!line.StartsWith(metric + "{", StringComparison.Ordinal) && !line.StartsWith(metric + " ", StringComparison.Ordinal))
            {
                continue;
            }

            var close = line.IndexOf('}', StringComparison.Ordinal);
            var found = close < 0 ? [] : LabelPattern().Matches(line[..close]).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            if (labels.All(l => found.TryGetValue(l.Name, out var v) && v == l.Value))
            {
                var value = line[(close < 0 ? metric.Length : close + 1)..].Trim().Split(' ')[0];
                sum += double.Parse(value, CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        File.Delete(_configPath);
    }

    private Process Launch(IReadOnlyDictionary<string, string>? overrides)
    {
        var daemonDll = Path.Combine(AppContext.BaseDirectory, "nacos-sync.dll");
        var start = new ProcessStartInfo("dotnet", ["exec", daemonDll, "run", "--config", _configPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["TZ"] = "UTC"; // cron expressions are written in UTC by the tests
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            start.Environment[NacosSync.Hosting.Options.NacosSyncConfiguration.EnvironmentPrefix + key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            if (_output.Length > 200_000)
            {
                _output.Remove(0, 100_000);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("(\\w+)=\"([^\"]*)\"")]
    private static partial Regex LabelPattern();
}
