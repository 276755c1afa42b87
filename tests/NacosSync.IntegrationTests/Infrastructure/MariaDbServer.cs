using System.Diagnostics;
using System.Globalization;
using Dapper;
using NacosSync.Storage.Database;

namespace NacosSync.IntegrationTests.Infrastructure;

/// <summary>
/// The real MariaDB every integration test uses. Started once per test run by
/// <see cref="IntegrationSetUp"/>: taken from <c>MARIADB_CONNECTION</c> when the test script
/// already started one, otherwise started here with <c>scripts/mariadb.sh</c> and stopped at the end.
/// </summary>
internal static class MariaDbServer
{
    private static string? _connectionString;
    private static string? _ownedDirectory;
    private static int _databaseCounter;

    /// <summary>Root connection (no default database).</summary>
    public static SqlDatabase Root => new(_connectionString ?? throw new InvalidOperationException("MariaDB is not started; is IntegrationSetUp in this assembly?"));

    public static string ConnectionString => _connectionString ?? throw new InvalidOperationException("MariaDB is not started");

    /// <summary>Creates an empty database of its own for one test or fixture; returns it.</summary>
    public static async Task<SqlDatabase> CreateDatabaseAsync(string prefix, CancellationToken cancellationToken = default) =>
        (await CreateDatabaseWithConnectionStringAsync(prefix, cancellationToken)).Database;

    /// <summary>As <see cref="CreateDatabaseAsync"/>, with the connection string a daemon's options would name it by.</summary>
    public static async Task<(SqlDatabase Database, string ConnectionString)> CreateDatabaseWithConnectionStringAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var name = string.Create(CultureInfo.InvariantCulture,
            $"t_{Sanitize(prefix)}_{Environment.ProcessId}_{Interlocked.Increment(ref _databaseCounter)}");
        await using (var connection = await Root.OpenAsync(cancellationToken))
        {
            await connection.ExecuteAsync($"DROP DATABASE IF EXISTS `{name}`");
            await connection.ExecuteAsync($"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        }

        return (Root.WithDatabase(name), MySqlDriver.WithDatabase(ConnectionString, name));
    }

    internal static void Start()
    {
        var existing = Environment.GetEnvironmentVariable("MARIADB_CONNECTION");
        if (!string.IsNullOrWhiteSpace(existing))
        {
            _connectionString = existing;
            return;
        }

        var script = Path.Combine(RepositoryRoot.Path, "scripts", "mariadb.sh");
        var output = RunScript(script, "start");
        var values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("MARIADB_", StringComparison.Ordinal))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => Unquote(p[1]), StringComparer.Ordinal);
        _ownedDirectory = values["MARIADB_DIR"];
        _connectionString = values["MARIADB_CONNECTION"];
    }

    internal static void Stop()
    {
        if (_ownedDirectory is not null)
        {
            RunScript(Path.Combine(RepositoryRoot.Path, "scripts", "mariadb.sh"), "stop", _ownedDirectory);
            _ownedDirectory = null;
        }
    }

    private static string RunScript(string script, params string[] arguments)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} {string.Join(' ', arguments)} exited {process.ExitCode}: {stderr.Result}");
        }

        return stdout.Result;
    }

    // printf %q quotes with backslashes; the values we print contain ';', '=' and spaces only.
    private static string Unquote(string value) => value.Replace("\\", "", StringComparison.Ordinal).Trim('\'');

    private static string Sanitize(string prefix) =>
        new(prefix.ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c == '_').Take(24).ToArray());
}

/// <summary>Finds the repository root (the folder holding NacosSync.sln).</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "NacosSync.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("NacosSync.sln not found above " + AppContext.BaseDirectory);
    }
}
