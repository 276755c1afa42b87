using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Dapper;
using NacosSync.Storage.Database;

namespace NacosSync.Bench.Setup;

/// <summary>
/// The processes of one run, each its own: MariaDB (scripts/mariadb.sh), the source and the target 2-node
/// sandbox clusters (<c>nacos-sync sandbox</c>), and the daemon (<c>nacos-sync run</c>) once started.
/// Logs of each go to the output directory. Disposing stops what it started, by process id.
/// </summary>
internal sealed partial class BenchEnvironment : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private string? _mariaDbDirectory;

    private BenchEnvironment(BenchArguments arguments, string repositoryRoot)
    {
        Arguments = arguments;
        RepositoryRoot = repositoryRoot;
        OutDirectory = Path.GetFullPath(arguments.OutDirectory);
        CliDll = Path.Combine(repositoryRoot, "src", "NacosSync", "bin", BuildConfiguration, "net10.0", "nacos-sync.dll");
    }

    public BenchArguments Arguments { get; }

    public string RepositoryRoot { get; }

    public string OutDirectory { get; }

    public string CliDll { get; }

    public string Connection { get; private set; } = "";

    public SqlDatabase Root { get; private set; } = null!;

    /// <summary>The MariaDB server's process id (its CPU time is read by the limits).</summary>
    public int MariaDbPid { get; private set; }

    public SandboxApi Source { get; private set; } = null!;

    public SandboxApi Target { get; private set; } = null!;

    public ChildProcess? Daemon { get; private set; }

    public DaemonClient? DaemonApi { get; private set; }

    public IReadOnlyList<SeededConfig> Configs { get; private set; } = [];

    public DaemonSettings? Settings { get; private set; }

#if DEBUG
    private const string BuildConfiguration = "Debug";
#else
    private const string BuildConfiguration = "Release";
#endif

    public static async Task<BenchEnvironment> StartAsync(BenchArguments arguments, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var env = new BenchEnvironment(arguments, FindRepositoryRoot());
        try
        {
            Directory.CreateDirectory(env.OutDirectory);
            if (!File.Exists(env.CliDll))
            {
                throw new InvalidOperationException($"{env.CliDll} is missing: build it (dotnet build -c {BuildConfiguration} src/NacosSync)");
            }

            env.StartMariaDb();
            foreach (var name in new[] { "bench_source", "bench_target", "bench_state" })
            {
                await env.RecreateDatabaseAsync(name, ct);
            }

            Log($"seeding {arguments.Workload.Configs:N0} configs into the source tables");
            env.Configs = await Seeder.SeedConfigsAsync(env.Root.WithDatabase("bench_source"), arguments.Workload, Profiles.Of(arguments.SourceProfile), ct);
            env.Source = await env.StartSandboxAsync("source", arguments.SourceProfile, "bench_source", ct);
            env.Target = await env.StartSandboxAsync("target", arguments.TargetProfile, "bench_target", ct);
            Log($"seeding {arguments.Workload.Instances:N0} instances through the source API");
            var seeding = Stopwatch.StartNew();
            await Seeder.SeedInstancesAsync(env.Source, arguments.Workload, ct);
            Log($"seeded in {seeding.Elapsed.TotalSeconds:0.0} s (not a figure)");
            return env;
        }
        catch
        {
            await env.DisposeAsync();
            throw;
        }
    }

    /// <summary>Writes daemon.json (base settings plus the run's --set overrides) and starts <c>nacos-sync run</c>; returns once /healthz answers.</summary>
    public async Task<ChildProcess> StartDaemonAsync(CancellationToken ct)
    {
        var endpoint = new Uri($"http://127.0.0.1:{FreePort()}");
        var token = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        Settings = DaemonSettings.Create(Source.Nodes, Target.Nodes,
            WithDatabase("bench_source"), WithDatabase("bench_target"),
            WithDatabase("bench_state"), endpoint.ToString().TrimEnd('/'), token);
        Settings.Apply(Arguments.Overrides);
        var path = Path.Combine(OutDirectory, "daemon.json");
        await File.WriteAllTextAsync(path, Settings.ToJson(), ct);
        Daemon = ChildProcess.Start("daemon", "dotnet", [Arguments.DaemonDll ?? CliDll, "run", "--config", path], Path.Combine(OutDirectory, "daemon.log"),
            BenchArguments.LastWins(Arguments.DaemonEnvironment));
        _owned.Insert(0, Daemon);
        DaemonApi = new DaemonClient(endpoint, token);
        var wait = Stopwatch.StartNew();
        while (!await DaemonApi.IsUpAsync(ct))
        {
            if (Daemon.HasExited || wait.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new InvalidOperationException($"the daemon did not come up (see {Path.Combine(OutDirectory, "daemon.log")}):{Environment.NewLine}{Daemon.Tail()}");
            }

            await Task.Delay(100, ct);
        }

        return Daemon;
    }

    public async Task RecreateDatabaseAsync(string name, CancellationToken ct)
    {
        await using var c = await Root.OpenAsync(ct);
        await c.ExecuteAsync($"DROP DATABASE IF EXISTS `{name}`");
        await c.ExecuteAsync($"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
    }

    public async ValueTask DisposeAsync()
    {
        DaemonApi?.Dispose();
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        Source?.Dispose();
        Target?.Dispose();
        if (_mariaDbDirectory is not null)
        {
            RunScript("stop", _mariaDbDirectory);
        }
    }

    /// <summary>The run's server and login with another default database (the script's connection names none).</summary>
    public string WithDatabase(string database) => $"{Connection.TrimEnd(';')};Database={database}";

    public static void Log(string message) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");

    private async Task<SandboxApi> StartSandboxAsync(string name, string profile, string database, CancellationToken ct)
    {
        var child = ChildProcess.Start(name, "dotnet", [CliDll, "sandbox", "--nodes", "2", "--port", "0", "--profile", profile],
            Path.Combine(OutDirectory, $"sandbox-{name}.log"),
            new Dictionary<string, string> { ["NACOSSYNC_SANDBOX_DATABASE"] = WithDatabase(database) });
        _owned.Add(child);
        var line = await child.WaitForLineAsync(l => l.StartsWith("Nacos sandbox", StringComparison.Ordinal), TimeSpan.FromMinutes(3), ct);
        var nodes = Address().Matches(line).Select(m => m.Value).ToList();
        Log($"{name} sandbox {profile}, pid {child.Pid}: {string.Join(", ", nodes)}");
        return nodes.Count == 2 ? new SandboxApi(nodes) : throw new InvalidOperationException($"{name} sandbox: no two addresses in '{line}'");
    }

    private void StartMariaDb()
    {
        var values = RunScript("start").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("MARIADB_", StringComparison.Ordinal))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1].Replace("\\", "", StringComparison.Ordinal).Trim('\''), StringComparer.Ordinal);
        _mariaDbDirectory = values["MARIADB_DIR"];
        Connection = values["MARIADB_CONNECTION"];
        Root = new SqlDatabase(Connection);
        MariaDbPid = int.Parse(values["MARIADB_PID"], System.Globalization.CultureInfo.InvariantCulture);
        Log($"MariaDB pid {values["MARIADB_PID"]} on port {values["MARIADB_PORT"]}");
    }

    private string RunScript(params string[] arguments)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(RepositoryRoot, "scripts", "mariadb.sh"));
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"scripts/mariadb.sh {string.Join(' ', arguments)} exited {process.ExitCode}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NacosSync.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("NacosSync.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"\d+\.\d+\.\d+\.\d+:\d+")]
    private static partial Regex Address();
}
