using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;
using NacosSync.Engine.Clusters;
using NacosSync.Hosting.Options;

namespace NacosSync.Cli.Commands;

/// <summary><c>nacos-sync trigger</c>: asks a running daemon (any replica) for a full resync now and prints its result.</summary>
internal static class TriggerCommand
{
    public static Command Create()
    {
        var task = new Option<string>("--task", "-t") { Description = "Task name", Required = true };
        var kind = new Option<string>("--kind") { Description = "naming, config, auth or all", DefaultValueFactory = _ => "all" };
        kind.AcceptOnlyFromAmong("naming", "config", "auth", "all");
        var url = new Option<string?>("--url") { Description = "The daemon's endpoint (default: Endpoint:Url of the configuration)" };
        var token = new Option<string?>("--token") { Description = "Admin token (default: $NACOSSYNC_ADMIN_TOKEN, else Endpoint:AdminToken / AdminTokenFile of the configuration)" };
        var allowDeletions = new Option<bool>("--allow-deletions") { Description = "Let this one run pass the deletion guards" };
        var timeout = new Option<TimeSpan>("--timeout") { Description = "How long to wait for the result", DefaultValueFactory = _ => TimeSpan.FromMinutes(30) };

        var command = new Command("trigger", "Ask the running daemon to run a full resync now and wait for its result") { task, kind, url, token, allowDeletions, timeout };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            var output = parseResult.InvocationConfiguration.Output;
            string? endpoint = parseResult.GetValue(url);
            string? adminToken = parseResult.GetValue(token) ?? Environment.GetEnvironmentVariable("NACOSSYNC_ADMIN_TOKEN");
            if (endpoint is null || adminToken is null)
            {
                try
                {
                    var configuration = NacosSyncConfiguration.Load(NacosSyncConfiguration.ResolvePath(parseResult.GetValue(NacosSyncCommandLine.ConfigOption)));
                    endpoint ??= configuration["Endpoint:Url"] ?? "http://127.0.0.1:9898";
                    adminToken ??= Secrets.Read(configuration["Endpoint:AdminToken"], configuration["Endpoint:AdminTokenFile"], "Endpoint:AdminToken");
                }
                catch (Exception ex) when (ex is NacosSyncConfigurationException or InvalidOperationException)
                {
                    await error.WriteLineAsync($"nacos-sync trigger: {ex.Message}");
                    return ExitCodes.UsageError;
                }
            }

            if (string.IsNullOrEmpty(adminToken))
            {
                await error.WriteLineAsync("nacos-sync trigger: no admin token: pass --token, set NACOSSYNC_ADMIN_TOKEN, or set Endpoint:AdminToken in the configuration");
                return ExitCodes.UsageError;
            }

            using var http = new HttpClient { Timeout = parseResult.GetValue(timeout) };
            var address = new Uri(new Uri(endpoint!.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)),
                $"/admin/tasks/{Uri.EscapeDataString(parseResult.GetValue(task)!)}/resync?kind={parseResult.GetValue(kind)}&allowDeletions={(parseResult.GetValue(allowDeletions) ? "true" : "false")}");
            using var request = new HttpRequestMessage(HttpMethod.Post, address);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException ex)
            {
                await error.WriteLineAsync($"nacos-sync trigger: the daemon at {endpoint} cannot be reached: {ex.Message}");
                return ExitCodes.Unreachable;
            }

            using (response)
            {
                if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.BadRequest)
                {
                    var problem = await response.Content.ReadAsStringAsync(cancellationToken);
                    await error.WriteLineAsync($"nacos-sync trigger: the daemon refused ({(int)response.StatusCode}): {problem}");
                    return ExitCodes.UsageError;
                }

                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    // Another replica owns the task: the daemon stored the run for it (high availability).
                    var forwarded = await response.Content.ReadFromJsonAsync<TriggerForward>(cancellationToken);
                    await output.WriteLineAsync($"{forwarded?.Task}: owned by replica {forwarded?.Owner}; the full run was stored for it "
                        + $"({string.Join(", ", forwarded?.Triggers ?? [])}); its outcome is in that replica's log and metrics");
                    return ExitCodes.Success;
                }

                if (!response.IsSuccessStatusCode)
                {
                    await error.WriteLineAsync($"nacos-sync trigger: the daemon answered {(int)response.StatusCode}");
                    return ExitCodes.Failures;
                }

                var runs = await response.Content.ReadFromJsonAsync<List<TriggerRun>>(cancellationToken) ?? [];
                foreach (var run in runs)
                {
                    await output.WriteLineAsync($"{run.Task} {run.Kind}: {(run.Succeeded ? "ok" : "NOT ok")}; read {run.Read}, added {run.Added}, updated {run.Updated}, removed {run.Removed}, refused {run.Refused}, failed {run.Failed}, drift {run.Drift}, {run.DurationSeconds:0.0} s");
                    if (run.GuardTripped is not null)
                    {
                        await output.WriteLineAsync($"  guard: {run.GuardTripped} (rerun with --allow-deletions to allow once)");
                    }

                    foreach (var e in run.Errors.Take(20))
                    {
                        await output.WriteLineAsync($"  error: {e}");
                    }
                }

                return runs.Any(r => r.GuardTripped is not null) ? ExitCodes.GuardRefused
                    : runs.All(r => r.Succeeded) ? ExitCodes.Success : ExitCodes.Failures;
            }
        });
        return command;
    }

    private sealed record TriggerForward(string Task, string Owner, List<string> Triggers);

    private sealed record TriggerRun(string Task, string Kind, bool Succeeded, long Read, long Added, long Updated, long Removed, long Refused,
        long Failed, long Drift, string? GuardTripped, List<string> Errors, double DurationSeconds);
}
