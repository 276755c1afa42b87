using System.CommandLine;
using System.Globalization;
using NacosSync.Sandbox;
using NacosSync.Storage.Database;

namespace NacosSync.Cli.Commands;

/// <summary><c>nacos-sync sandbox</c>: a Nacos-compatible local cluster, for rehearsing a task before production.</summary>
internal static class SandboxCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "HTTP port of the first node; node i listens on port + i", DefaultValueFactory = _ => 8848 };
        var nodes = new Option<int>("--nodes") { Description = "Number of nodes", DefaultValueFactory = _ => 1 };
        var profile = new Option<string>("--profile") { Description = "Nacos version to imitate: 1.4, 2.2.0, 2.4, 2.5, 3.0, 3.1, 3.2 or 3.3", DefaultValueFactory = _ => "2.4" };
        var database = new Option<string?>("--database") { Description = "MySQL connection string for config storage (without one only naming works); $NACOSSYNC_SANDBOX_DATABASE also works" };
        var auth = new Option<bool>("--auth") { Description = "Require login (user nacos / nacos)" };
        var host = new Option<string>("--host") { Description = "Address to bind", DefaultValueFactory = _ => "127.0.0.1" };
        var identityKey = new Option<string?>("--identity-key") { Description = "Server identity header name (nacos.core.auth.server.identity.key); 3.1+ will not start without one" };
        var identityValue = new Option<string?>("--identity-value") { Description = "Server identity header value (nacos.core.auth.server.identity.value)" };

        var command = new Command("sandbox", "Run a Nacos-compatible sandbox cluster until Ctrl-C") { port, nodes, profile, database, auth, host, identityKey, identityValue };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            if (ParseProfile(parseResult.GetValue(profile)!) is not { } versionProfile)
            {
                await error.WriteLineAsync($"nacos-sync sandbox: --profile '{parseResult.GetValue(profile)}' is not one of 1.4, 2.2.0, 2.4, 2.5, 3.0, 3.1, 3.2, 3.3");
                return ExitCodes.UsageError;
            }

            var count = parseResult.GetValue(nodes);
            var first = parseResult.GetValue(port);
            if (count is < 1 or > 9 || first is < 0 or > 65535 - 9)
            {
                await error.WriteLineAsync($"nacos-sync sandbox: --nodes must be 1 to 9 and --port 0 to {65535 - 9} (got {count} and {first})");
                return ExitCodes.UsageError;
            }

            var connectionString = parseResult.GetValue(database) ?? Environment.GetEnvironmentVariable("NACOSSYNC_SANDBOX_DATABASE");
            SandboxCluster cluster;
            try
            {
                cluster = await SandboxCluster.StartAsync(new SandboxClusterOptions
                {
                    Nodes = count,
                    Profile = versionProfile,
                    Ports = Enumerable.Range(0, count).Select(i => first == 0 ? 0 : first + i).ToList(),
                    Host = parseResult.GetValue(host)!,
                    Database = string.IsNullOrWhiteSpace(connectionString) ? null : new SqlDatabase(connectionString),
                    // --auth asks for client auth; without it each profile keeps its own default (3.3: on).
                    AuthEnabled = parseResult.GetValue(auth) ? true : null,
                    IdentityKey = parseResult.GetValue(identityKey),
                    IdentityValue = parseResult.GetValue(identityValue),
                }, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or System.Data.Common.DbException or ArgumentException or InvalidOperationException)
            {
                await error.WriteLineAsync($"nacos-sync sandbox: cannot start: {ex.Message}");
                return ExitCodes.Unreachable;
            }

            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Nacos sandbox {cluster.Profile} with {count} node(s): {string.Join(", ", cluster.ServerAddresses)}{(connectionString is null ? " (no database: config API off)" : "")}. Ctrl-C stops it."));
            await cluster.RunUntilCancelledAsync(cancellationToken);
            return ExitCodes.Success;
        });
        return command;
    }

    public static NacosVersionProfile? ParseProfile(string text) => text switch
    {
        "1.4" or "1.4.8" => NacosVersionProfile.V1_4,
        "2.2" or "2.2.0" => NacosVersionProfile.V2_2_0,
        "2.4" or "2.4.3" => NacosVersionProfile.V2_4,
        "2.5" or "2.5.1" => NacosVersionProfile.V2_5,
        "3.0" or "3.0.3" => NacosVersionProfile.V3_0,
        "3.1" or "3.1.0" => NacosVersionProfile.V3_1,
        "3.2" or "3.2.0" => NacosVersionProfile.V3_2,
        "3.3" or "3.3.0" => NacosVersionProfile.V3_3,
        _ => null,
    };
}
