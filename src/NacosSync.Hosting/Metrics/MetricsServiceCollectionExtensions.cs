using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NacosSync.Engine.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace NacosSync.Hosting.Metrics;

internal static class MetricsServiceCollectionExtensions
{
    /// <summary>
    /// The product meter, the run metrics and an OpenTelemetry MeterProvider with the Prometheus
    /// pull reader; plus an OTLP push exporter when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// </summary>
    public static IServiceCollection AddNacosSyncMetrics(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => new SyncMetrics());
        services.TryAddSingleton<SyncRunMetrics>();
        services.TryAddSingleton(_ => new PrometheusTextExporter());
        services.TryAddSingleton(sp =>
        {
            // Instruments must exist before the provider is built so their first scrape sees them.
            sp.GetRequiredService<SyncRunMetrics>();
            var reader = new PrometheusMetricReader(sp.GetRequiredService<PrometheusTextExporter>());
            var builder = Sdk.CreateMeterProviderBuilder().AddMeter(SyncMetrics.MeterName).AddReader(reader);
            if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
            {
                builder.AddOtlpExporter((OtlpExporterOptions _, MetricReaderOptions _) => { });
            }

            return builder.Build()!;
        });
        return services;
    }
}
