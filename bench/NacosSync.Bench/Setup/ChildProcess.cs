using System.Collections.Concurrent;
using System.Diagnostics;

namespace NacosSync.Bench.Setup;

/// <summary>
/// A process the harness started (sandbox cluster, daemon): its output goes to a log file under the run's
/// directory and is watched for a ready line; disposing stops it (SIGTERM, then kill after a grace) by its own id.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly Lock _logLock = new();
    private bool _closed;
    private bool _disposed;

    private ChildProcess(Process process, StreamWriter log, string name)
    {
        _process = process;
        _log = log;
        Name = name;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines it printed, for an error message.</summary>
    public string Tail(int lines = 10) => string.Join(Environment.NewLine, _lines.TakeLast(lines));

    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, string logPath, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process, log, name);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"{name}: '{fileName}' did not start");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for an output line satisfying <paramref name="match"/>; fails naming the process if it exits or the time runs out.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_lines.FirstOrDefault(match) is { } line)
            {
                return line;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before it was ready:{Environment.NewLine}{Tail()}");
            }

            await Task.Delay(100, ct);
        }

        throw new TimeoutException($"{Name} printed no ready line within {timeout.TotalSeconds:0} s; see its log");
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            // SIGTERM: the sandbox and the daemon stop on it like on Ctrl-C.
            Kill(_process.Id, signal: 15);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }

        _process.Dispose();
        lock (_logLock)
        {
            _closed = true;
            _log.Dispose();
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (_lines.Count < 10_000)
        {
            _lines.Enqueue(line);
        }

        lock (_logLock)
        {
            if (!_closed)
            {
                _log.WriteLine(line);
            }
        }
    }

    private static void Kill(int pid, int signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        kill?.WaitForExit();
    }
}
