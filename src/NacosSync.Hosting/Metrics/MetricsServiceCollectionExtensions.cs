using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.Metrics;
using NacosSync.Engine.Telemetry;
using OpenTelemetry.Metrics;

namespace NacosSync.Hosting.Metrics;

internal static class MetricsServiceCollectionExtensions
{
    /// <summary>
    /// The product meter (from <see cref="IMeterFactory"/>), the run metrics and OpenTelemetry with
    /// the Prometheus exporter for <c>/metrics</c>; plus an OTLP push exporter when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// </summary>
    public static IServiceCollection AddNacosSyncMetrics(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        // Only this host's meter (MeterScope.Local): several daemons in one process (tests) must not
        // export each other's series, as a provider listening by name alone would.
        services.AddMetrics(metrics => metrics.EnableMetrics(SyncMetrics.MeterName, instrumentName: null, listenerName: null, MeterScope.Local));
        services.TryAddSingleton(sp => new SyncMetrics(sp.GetRequiredService<IMeterFactory>()));
        services.TryAddSingleton<SyncRunMetrics>();
        services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddPrometheusExporter(o =>
            {
                // Every scrape collects afresh: lag is computed at scrape time, and tests scrape twice in a row.
                o.ScrapeResponseCacheDurationMilliseconds = 0;
                // Same series as the hand-written exporter had (docs/metrics.md, "Exporter swap"): no
                // otel_scope_* label on every series (one meter only) and no target_info family
                // (the resource holds only the SDK's defaults; build info is nacossync_build_info).
                o.ScopeInfoEnabled = false;
                o.TargetInfoEnabled = false;
            });
            if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
            {
                metrics.AddOtlpExporter();
            }
        });
        return services;
    }
}
