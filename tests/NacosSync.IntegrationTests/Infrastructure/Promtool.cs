using System.Diagnostics;

namespace NacosSync.IntegrationTests.Infrastructure;

/// <summary>Runs Prometheus's <c>promtool</c> (Debian package <c>prometheus</c>, installed by scripts/test.sh).</summary>
internal static class Promtool
{
    public static string Path =>
        new[] { "/usr/bin/promtool", "/usr/local/bin/promtool" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("promtool is not installed; scripts/test.sh installs it (apt-get install prometheus)");

    /// <summary>Runs promtool with the given arguments and standard input; returns exit code and combined output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string input, params string[] arguments)
    {
        var info = new ProcessStartInfo(Path) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
