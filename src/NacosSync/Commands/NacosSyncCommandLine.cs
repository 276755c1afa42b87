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

    public static RootCommand Create()
    {
        var root = new RootCommand("NacosSync keeps a target Nacos cluster in step with a source cluster: services, instances, namespaces and configs.");
        root.Options.Add(ConfigOption);
        root.Subcommands.Add(RunCommand.Create());
        foreach (var (name, description) in new[]
        {
            ("resync", "Run one full diff and apply now, in process"),
            ("plan", "Show what a full resync would add, change and remove, writing nothing"),
            ("verify", "Compare source and target (and every target node's config cache); non-zero exit on any difference"),
            ("trigger", "Ask the running daemon to run a full resync now"),
            ("demo", "Start a local source and target sandbox, seed the source and run the daemon with live metrics"),
        })
        {
            root.Subcommands.Add(NotYetImplemented(name, description));
        }

        return root;
    }

    private static Command NotYetImplemented(string name, string description)
    {
        var command = new Command(name, description + " (not yet implemented)");
        command.SetAction(parseResult =>
        {
            parseResult.InvocationConfiguration.Error.WriteLine($"nacos-sync {name}: not yet implemented");
            return ExitCodes.UsageError;
        });
        return command;
    }
}
