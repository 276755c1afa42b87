using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OpenTelemetry.Metrics;
using Quartz;
using Microsoft.Extensions.DependencyInjection;
using NacosSync.Core.Options;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.Hosting.Jobs;
using NacosSync.Hosting.State;

namespace NacosSync.Hosting.Endpoints;

/// <summary><c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c> and the token-protected admin API.</summary>
internal static class DaemonEndpoints
{
    public static IEndpointRouteBuilder MapDaemonEndpoints(this IEndpointRouteBuilder app, NacosSyncOptions options, string? adminToken)
    {
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", (Readiness readiness) => readiness.NotReadyReason is { } reason
            ? Results.Text($"not ready: {reason}\n", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("ready\n"));
        app.MapPrometheusScrapingEndpoint("/metrics");

        app.MapPost("/admin/tasks/{task}/resync", async (string task, string? kind, bool? allowDeletions, HttpRequest request,
            SyncJobExecutor executor, ITaskOwnership ownership, IServiceProvider services, CancellationToken cancellationToken) =>
        {
            if (Authorize(request, adminToken) is { } denied)
            {
                return denied;
            }

            if (!options.Tasks.TryGetValue(task, out var taskOptions))
            {
                return Results.Problem($"no task named '{task}'; known tasks: {string.Join(", ", options.Tasks.Keys)}", statusCode: StatusCodes.Status404NotFound);
            }

            var kinds = QuartzRegistration.EnabledKinds(taskOptions).ToList();
            if (kind is not null && kind != "all")
            {
                kinds = kinds.Where(k => k.Name() == kind).ToList();
                if (kinds.Count == 0)
                {
                    return Results.Problem($"task '{task}' does not sync '{kind}'; use naming, config, auth or all (each as the task enables it)", statusCode: StatusCodes.Status400BadRequest);
                }
            }

            if (!ownership.IsOwner(task))
            {
                return await ForwardAsync(services, task, kinds, allowDeletions == true, cancellationToken);
            }

            var results = new List<SyncRunResult>();
            foreach (var k in kinds)
            {
                results.Add((await executor.RunAsync(task, k, SyncMode.Full, new SyncRunRequest(AllowDeletions: allowDeletions == true), cancellationToken))!);
            }

            return Results.Json(results.Select(AdminRunView.From));
        });
        return app;
    }

    /// <summary>
    /// Another replica owns the task: the full run is stored in the clustered job store, pinned to the owner,
    /// and the answer is 202 with where it will run (its outcome is in the owner's logs and metrics).
    /// </summary>
    private static async Task<IResult> ForwardAsync(IServiceProvider services, string task, IReadOnlyList<SyncKind> kinds, bool allowDeletions,
        CancellationToken cancellationToken)
    {
        var leases = services.GetService<ITaskLeaseStore>();
        var lease = leases is null ? null : await leases.GetAsync(task, cancellationToken);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (lease?.Owner is not { } owner || lease.IsFree(now))
        {
            return Results.Problem($"task '{task}' has no owner right now (a takeover is under way); try again in a few seconds",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        var scheduler = await services.GetRequiredService<ISchedulerFactory>().GetScheduler(cancellationToken);
        var triggers = new List<string>();
        foreach (var kind in kinds)
        {
            var key = await SyncJobForwarding.ScheduleFullRunAsync(scheduler, task, kind, owner, allowDeletions, "admin", cancellationToken);
            triggers.Add(key.ToString());
        }

        return Results.Json(new AdminForwardView(task, owner, triggers), statusCode: StatusCodes.Status202Accepted);
    }

    private static IResult? Authorize(HttpRequest request, string? adminToken)
    {
        if (string.IsNullOrEmpty(adminToken))
        {
            return Results.Problem("the admin API is disabled: set Endpoint:AdminToken (or Endpoint:AdminTokenFile) to enable it", statusCode: StatusCodes.Status403Forbidden);
        }

        var header = request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        var given = header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? header[prefix.Length..].Trim() : "";
        var ok = given.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(adminToken));
        return ok ? null : Results.Problem("missing or wrong admin token (Authorization: Bearer TOKEN)", statusCode: StatusCodes.Status401Unauthorized);
    }
}

/// <summary>The admin API's answer when the task's owner is another replica: the run was stored for it.</summary>
internal sealed record AdminForwardView(string Task, string Owner, IReadOnlyList<string> Triggers);

/// <summary>The admin API's JSON view of a run.</summary>
internal sealed record AdminRunView(string Task, string Kind, string Mode, bool Succeeded, long Read, long Added, long Updated, long Removed,
    long Refused, long Failed, long Drift, string? GuardTripped, IReadOnlyList<string> Errors, double DurationSeconds)
{
    public static AdminRunView From(SyncRunResult r) => new(r.TaskName, r.Kind.Name(), r.Mode.Name(), r.Succeeded, r.Read, r.Added, r.Updated,
        r.Removed, r.Refused, r.Failed, r.Drift, r.GuardTripped, r.Errors.Select(e => $"{e.Stage.Name()}: {(e.Key is null ? "" : e.Key + ": ")}{e.Message}").ToList(),
        r.Duration.TotalSeconds);
}
