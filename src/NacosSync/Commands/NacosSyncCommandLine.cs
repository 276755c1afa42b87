using System.CommandLine;

namespace NacosSync.Cli.Commands;

/// <summary>The <c>nacos-sync</c> command tree.</summary>
internal static class NacosSyncCommandLine
{
    /// <summary>--config, shared by every command.</summary>
    public static Option<string?> ConfigOption { get; } = new("--config", "-c")
    {
        Description = "Configuration file (default: $NACOSSYNC_CONFIG, else config/nacos-sync.json)",
        Recursive = true,
    };

    /// <summary>
    /// Parses and runs <paramref name="args"/>. A parse error (unknown option or command, missing or
    /// refused value) is printed with the usage and exits <see cref="ExitCodes.UsageError"/>, as the
    /// README's exit codes promise; System.CommandLine's own parse-error action would exit 1, which
    /// means "differences found" for verify.
    /// </summary>
    public static async Task<int> InvokeAsync(string[] args, InvocationConfiguration configuration, CancellationToken cancellationToken = default)
    {
        var parseResult = Create().Parse(args);
        var exitCode = await parseResult.InvokeAsync(configuration, cancellationToken);
        return parseResult.Errors.Count > 0 ? ExitCodes.UsageError : exitCode;
    }

    public static RootCommand Create()
    {
        var root = new RootCommand("NacosSync keeps a target Nacos cluster in step with a source cluster: services, instances, namespaces and configs.");
        root.Options.Add(ConfigOption);
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(SyncCommands.Resync());
        root.Subcommands.Add(SyncCommands.Plan());
        root.Subcommands.Add(SyncCommands.Verify());
        root.Subcommands.Add(TriggerCommand.Create());
        root.Subcommands.Add(HealthCommand.Create());
        root.Subcommands.Add(SandboxCommand.Create());
        root.Subcommands.Add(Demo.DemoCommand.Create());
        return root;
    }
}
