using System.CommandLine;
using NacosSync.Cli.Commands;

// On Ctrl-C / SIGTERM the command's token is cancelled; the daemon then gets up to 30 s (HostOptions) to let
// running jobs stop at a safe point, so the process is not cut off before that.
return await NacosSyncCommandLine.InvokeAsync(args, new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(40) });
