using System.CommandLine;
using Microsoft.Extensions.Hosting;
using NacosSync.Hosting;
using NacosSync.Hosting.Options;

namespace NacosSync.Cli.Commands;

/// <summary><c>nacos-sync run</c>: the daemon. Stops on SIGTERM / Ctrl-C, letting running jobs finish or stop at a safe point.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var command = new Command("run", "Run the sync daemon: scheduled full and incremental jobs, /healthz, /readyz, /metrics");
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            Microsoft.AspNetCore.Builder.WebApplication app;
            try
            {
                var path = NacosSyncConfiguration.ResolvePath(parseResult.GetValue(NacosSyncCommandLine.ConfigOption));
                app = NacosSyncHost.BuildDaemon(NacosSyncConfiguration.Load(path));
            }
            catch (NacosSyncConfigurationException ex)
            {
                await error.WriteLineAsync($"nacos-sync: {ex.Message}");
                return ExitCodes.UsageError;
            }

            try
            {
                await app.StartAsync(cancellationToken);
                await app.WaitForShutdownAsync(cancellationToken);
                return ExitCodes.Success;
            }
            catch (Microsoft.Extensions.Options.OptionsValidationException ex)
            {
                // ValidateOnStart: the same checks as above, in case the environment changed in between (a secret file removed).
                await error.WriteLineAsync($"nacos-sync: {new NacosSyncConfigurationException([.. ex.Failures]).Message}");
                return ExitCodes.UsageError;
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or System.Net.Sockets.SocketException or IOException)
            {
                await error.WriteLineAsync($"nacos-sync: cannot start: {ex.Message}");
                return ExitCodes.Unreachable;
            }
            finally
            {
                await app.DisposeAsync();
            }
        });
        return command;
    }
}
