using System.CommandLine;

namespace NacosSync.Cli.Commands;

/// <summary>
/// <c>nacos-sync health</c>: asks a daemon's <c>/healthz</c> (or <c>/readyz</c>) and exits 0 when it answers 200,
/// 4 otherwise. The container image's HEALTHCHECK, which has no curl.
/// </summary>
internal static class HealthCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "The daemon's health URL", DefaultValueFactory = _ => "http://127.0.0.1:9898/healthz" };
        var command = new Command("health", "Probe a running daemon's /healthz (exit 0 when healthy, 4 when not)") { url };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            if (!Uri.TryCreate(parseResult.GetValue(url), UriKind.Absolute, out var address))
            {
                await error.WriteLineAsync($"nacos-sync health: --url '{parseResult.GetValue(url)}' is not an absolute URL");
                return ExitCodes.UsageError;
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
            try
            {
                using var response = await http.GetAsync(address, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return ExitCodes.Success;
                }

                await error.WriteLineAsync($"nacos-sync health: {address} answered {(int)response.StatusCode}");
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                await error.WriteLineAsync($"nacos-sync health: {address} cannot be reached: {ex.Message}");
            }

            return ExitCodes.Unreachable;
        });
        return command;
    }
}
