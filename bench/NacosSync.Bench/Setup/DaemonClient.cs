using System.Net.Http.Headers;
using System.Text.Json;
using NacosSync.Bench.Measure;

namespace NacosSync.Bench.Setup;

/// <summary>What the harness reads of the daemon from outside: <c>/metrics</c>, <c>/healthz</c> and the admin API's resync.</summary>
internal sealed class DaemonClient(Uri endpoint, string adminToken) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = endpoint, Timeout = TimeSpan.FromMinutes(30) };

    public async Task<IReadOnlyList<PrometheusSample>> MetricsAsync(CancellationToken ct) =>
        PrometheusText.Parse(await _http.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct));

    public async Task<bool> IsUpAsync(CancellationToken ct)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri("/healthz", UriKind.Relative), ct);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>POST /admin/tasks/{task}/resync?kind=...: runs a full run now and answers its result (durationSeconds, added, updated, ...).</summary>
    public async Task<JsonElement> ResyncAsync(string task, string kind, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/admin/tasks/{task}/resync?kind={kind}", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        using var response = await _http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"resync {task} {kind}: {(int)response.StatusCode} {body}");
        }

        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Sum and count of <c>nacossync_sync_run_duration_seconds</c> for one kind and mode, successful or not.</summary>
    public static (double Sum, double Count) RunDurations(IReadOnlyList<PrometheusSample> metrics, string kind, string mode) =>
        (PrometheusText.Sum(metrics, "nacossync_sync_run_duration_seconds_sum", ("task", DaemonSettings.Task), ("kind", kind), ("mode", mode)),
         PrometheusText.Sum(metrics, "nacossync_sync_run_duration_seconds_count", ("task", DaemonSettings.Task), ("kind", kind), ("mode", mode)));

    /// <summary>Runs finished (<c>nacossync_sync_runs_total</c>) of one kind and mode with the given outcome.</summary>
    public static double Runs(IReadOnlyList<PrometheusSample> metrics, string kind, string mode, string outcome) =>
        PrometheusText.Sum(metrics, "nacossync_sync_runs_total", ("task", DaemonSettings.Task), ("kind", kind), ("mode", mode), ("outcome", outcome));
}
