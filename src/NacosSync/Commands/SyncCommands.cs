using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NacosSync.Core.Options;
using NacosSync.Core.Sync;
using NacosSync.Hosting;
using NacosSync.Hosting.Options;
using NacosSync.Storage.State;
using Spectre.Console;

namespace NacosSync.Cli.Commands;

/// <summary>
/// <c>resync</c>, <c>plan</c> and <c>verify</c>: one full run of a task now, in this process, against
/// the same configuration as the daemon. <c>plan</c> and <c>verify</c> write nothing.
/// </summary>
internal static class SyncCommands
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Resync() => Create("resync", "Run one full diff and apply now, in process; exit 0 in sync, 1 failures, 2 usage, 3 guard refused, 4 unreachable", Verb.Resync);

    public static Command Plan() => Create("plan", "Show what a full resync would add, change and remove per namespace, writing nothing", Verb.Plan);

    public static Command Verify() => Create("verify", "Compare source and target (config: every target node's cache); exit 1 on any difference", Verb.Verify);

    private enum Verb
    {
        Resync,
        Plan,
        Verify,
    }

    private static Command Create(string name, string description, Verb verb)
    {
        var task = new Option<string?>("--task", "-t") { Description = "Task name (default: the only task)" };
        var kind = new Option<string>("--kind") { Description = "naming, config, auth or all", DefaultValueFactory = _ => "all" };
        kind.AcceptOnlyFromAmong("naming", "config", "auth", "all");
        var ns = new Option<string?>("--namespace") { Description = "Only this source namespace" };
        var allowDeletions = new Option<bool>("--allow-deletions") { Description = "Let this one run pass the deletion guards" };
        var output = new Option<string>("--output", "-o") { Description = "table or json", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "json");

        var command = new Command(name, description) { task, kind, ns, output };
        if (verb == Verb.Resync)
        {
            command.Options.Add(allowDeletions);
        }

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            var stdout = parseResult.InvocationConfiguration.Output;
            NacosSyncOptions options;
            Microsoft.Extensions.Configuration.IConfiguration configuration;
            try
            {
                configuration = NacosSyncConfiguration.Load(NacosSyncConfiguration.ResolvePath(parseResult.GetValue(NacosSyncCommandLine.ConfigOption)));
                options = NacosSyncConfiguration.Bind(configuration);
            }
            catch (NacosSyncConfigurationException ex)
            {
                await error.WriteLineAsync($"nacos-sync {name}: {ex.Message}");
                return ExitCodes.UsageError;
            }

            var taskName = parseResult.GetValue(task);
            if (taskName is null)
            {
                if (options.Tasks.Count != 1)
                {
                    await error.WriteLineAsync($"nacos-sync {name}: --task is required when more than one task is configured: {string.Join(", ", options.Tasks.Keys)}");
                    return ExitCodes.UsageError;
                }

                taskName = options.Tasks.Keys.Single();
            }
            else if (!options.Tasks.ContainsKey(taskName))
            {
                await error.WriteLineAsync($"nacos-sync {name}: --task '{taskName}' is not configured; known tasks: {string.Join(", ", options.Tasks.Keys)}");
                return ExitCodes.UsageError;
            }

            var taskOptions = options.Tasks[taskName];
            var kindText = parseResult.GetValue(kind)!;
            var kinds = new List<SyncKind>();
            if (kindText is "naming" or "all" && taskOptions.Naming.Enabled)
            {
                kinds.Add(SyncKind.Naming);
            }

            if (kindText is "config" or "all" && taskOptions.Config.Enabled)
            {
                kinds.Add(SyncKind.Config);
            }

            if (kindText is "auth" or "all" && taskOptions.Auth.Enabled)
            {
                kinds.Add(SyncKind.Auth);
            }

            if (kinds.Count == 0)
            {
                await error.WriteLineAsync($"nacos-sync {name}: task '{taskName}' does not sync {kindText} (see Tasks:{taskName}:Naming:Enabled, Config:Enabled, Auth:Enabled)");
                return ExitCodes.UsageError;
            }

            var services = new ServiceCollection();
            services.AddLogging(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
            NacosSyncHost.AddSyncServices(services, configuration);
            await using var provider = services.BuildServiceProvider();
            var runners = provider.GetServices<ISyncRunner>().ToDictionary(r => r.Kind);

            // Every verb reads the run state (checkpoints, pending keys, removal candidates): plan and verify too,
            // and they are often the first commands run. Creating NacosSync's own tables writes nothing to Nacos.
            try
            {
                await provider.GetRequiredService<StateSchemaMigrator>().MigrateAsync(cancellationToken);
            }
            catch (System.Data.Common.DbException ex)
            {
                await error.WriteLineAsync($"nacos-sync {name}: the state database cannot be reached: {ex.Message}");
                return ExitCodes.Unreachable;
            }

            var request = new SyncRunRequest(DryRun: verb != Verb.Resync, AllowDeletions: verb == Verb.Resync && parseResult.GetValue(allowDeletions),
                Namespace: parseResult.GetValue(ns), CheckTargetCaches: verb == Verb.Verify);
            var results = new List<SyncRunResult>();
            var interactive = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected && parseResult.GetValue(output) == "table";
            foreach (var k in kinds)
            {
                if (!runners.TryGetValue(k, out var runner))
                {
                    await error.WriteLineAsync($"nacos-sync {name}: {k.Name()} sync is not available in this build");
                    return ExitCodes.UsageError;
                }

                var label = $"{Describe(verb)} {k.Name()} of task {taskName}";
                SyncRunResult result;
                if (interactive)
                {
                    result = await AnsiConsole.Status().Spinner(Spinner.Known.Dots).StartAsync($"{label}: reading source and target…",
                        _ => runner.RunAsync(taskName, SyncMode.Full, request, cancellationToken));
                }
                else
                {
                    // Progress on stderr, so stdout stays the table or the JSON document alone.
                    await error.WriteLineAsync($"{label}: reading source and target");
                    result = await runner.RunAsync(taskName, SyncMode.Full, request, cancellationToken);
                }

                results.Add(result);
            }

            if (parseResult.GetValue(output) == "json")
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(results.Select(r => JsonView(r, verb)), JsonOptions));
            }
            else
            {
                Render(stdout, results, verb);
            }

            if (verb == Verb.Resync && taskOptions.Naming.ReplicaMode == ReplicaMode.Ephemeral
                && results.FirstOrDefault(r => r.Kind == SyncKind.Naming) is { } naming && naming.Added + naming.Updated > 0)
            {
                await error.WriteLineAsync("note: ephemeral replicas live only while somebody beats them. A running daemon does (its next run adopts them);"
                    + " without one they expire from the target 30 s after this command ends. `nacos-sync trigger` has the daemon resync instead.");
            }

            var exitCode = ExitCode(results, verb);
            if (exitCode == ExitCodes.Unreachable)
            {
                // Say why nothing could be compared, so a refused login is not read as "differences found".
                foreach (var e in results.SelectMany(r => r.Errors).Where(e => e.Stage is SyncStage.ReadSource or SyncStage.ReadTarget).DistinctBy(e => e.Message).Take(3))
                {
                    await error.WriteLineAsync($"nacos-sync {name}: {(e.Stage == SyncStage.ReadTarget ? "the target" : "the source")} could not be read: {e.Message}");
                }
            }

            return exitCode;
        });
        return command;
    }

    private static int ExitCode(IReadOnlyList<SyncRunResult> results, Verb verb)
    {
        if (results.Any(r => r.Errors.Any(e => e.Unreachable) || (r.Read == 0 && r.Errors.Count > 0 && r.Errors.All(e => e.Stage is SyncStage.ReadSource or SyncStage.ReadTarget))))
        {
            return ExitCodes.Unreachable;
        }

        if (verb == Verb.Resync && results.Any(r => r.GuardTripped is not null))
        {
            return ExitCodes.GuardRefused;
        }

        if (results.Any(r => r.Errors.Count > 0 || r.Failed > 0))
        {
            return ExitCodes.Failures;
        }

        if (verb == Verb.Verify && results.Any(r => r.Added + r.Updated + r.Removed + r.Drift > 0))
        {
            return ExitCodes.Failures;
        }

        return ExitCodes.Success;
    }

    private static string Describe(Verb verb) => verb switch
    {
        Verb.Resync => "resync",
        Verb.Plan => "plan",
        _ => "verify",
    };

    private static object JsonView(SyncRunResult r, Verb verb) => new
    {
        task = r.TaskName,
        kind = r.Kind.Name(),
        dryRun = verb != Verb.Resync,
        succeeded = r.Succeeded,
        read = r.Read,
        added = r.Added,
        updated = r.Updated,
        removed = r.Removed,
        refused = r.Refused,
        failed = r.Failed,
        drift = r.Drift,
        guardTripped = r.GuardTripped,
        differences = r.Differences.Select(d => new { kind = d.Kind, key = d.Key }),
        leftAlone = r.LeftAlone,
        namespaces = r.Namespaces.Select(n => new { @namespace = n.Namespace, added = n.Added, updated = n.Updated, removed = n.Removed, refused = n.Refused }),
        errors = r.Errors.Select(e => new { stage = e.Stage.Name(), key = e.Key, message = e.Message, unreachable = e.Unreachable }),
        durationSeconds = Math.Round(r.Duration.TotalSeconds, 3),
    };

    private static void Render(TextWriter writer, IReadOnlyList<SyncRunResult> results, Verb verb)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        if (!ReferenceEquals(writer, Console.Out) || Console.IsOutputRedirected)
        {
            // Into a file or a pipe: one error per line, whatever its length (grep-able), not wrapped at 80 columns.
            console.Profile.Width = 240;
        }
        var wouldBe = verb == Verb.Resync ? "" : "would be ";
        foreach (var r in results)
        {
            var table = new Table().Title($"{r.TaskName} {r.Kind.Name()}: {(verb == Verb.Resync ? "applied" : "planned")} in {r.Duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s, {r.Read} read from source");
            table.AddColumns("namespace", $"{wouldBe}added", $"{wouldBe}updated", $"{wouldBe}removed", "refused by guard");
            foreach (var n in r.Namespaces)
            {
                table.AddRow(Markup.Escape(n.Namespace), N(n.Added), N(n.Updated), N(n.Removed), N(n.Refused));
            }

            table.AddRow("[bold]total[/]", N(r.Added), N(r.Updated), N(r.Removed), N(r.Refused));
            console.Write(table);
            if (r.GuardTripped is { } guard)
            {
                console.MarkupLine($"[yellow]guard:[/] {Markup.Escape(guard)}" + (verb == Verb.Resync ? " (rerun with --allow-deletions to allow these deletions once)" : ""));
            }

            // verify names every difference it counts (and every stale node, as an error); the others keep the console short.
            var shown = verb == Verb.Verify ? int.MaxValue : 50;
            foreach (var d in r.Differences.Take(shown))
            {
                console.MarkupLine($"[yellow]{wouldBe}{Markup.Escape(d.Kind + (d.Kind.EndsWith('e') ? "d" : "ed"))}[/] {Markup.Escape(d.Key)}");
            }

            if (r.Differences.Count > shown)
            {
                console.MarkupLine($"… and {r.Differences.Count - shown} more differences");
            }

            if (r.LeftAlone.Count > 0)
            {
                console.MarkupLine(r.Kind == SyncKind.Auth
                    ? $"left alone: {r.LeftAlone.Count} user(s), role(s) or permission(s), each with its reason (protected, in conflict, or not copyable through the API; hashes are never shown):"
                    : $"left alone: {r.LeftAlone.Count} target-native config(s) absent from the source, not owned by this task (never touched, not a difference):");
                foreach (var key in r.LeftAlone.Take(shown))
                {
                    console.MarkupLine($"  {Markup.Escape(key)}");
                }
            }

            foreach (var e in r.Errors.Take(shown))
            {
                console.MarkupLine($"[red]{e.Stage.Name()}[/] {Markup.Escape(e.Key ?? "")} {Markup.Escape(e.Message)}");
            }

            if (r.Errors.Count > shown)
            {
                console.MarkupLine($"… and {r.Errors.Count - shown} more errors");
            }
        }

        static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
