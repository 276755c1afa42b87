using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Registry;
using Polly.Telemetry;
using Polly.Timeout;

namespace NacosSync.Nacos.Transport;

/// <summary>A resilience pipeline's key: its purpose (<c>nacos-read</c>, <c>nacos-write</c>) and the cluster it guards.</summary>
internal readonly record struct NacosPipelineKey(string Purpose, string Cluster)
{
    public override string ToString() => $"{Purpose}/{Cluster}";
}

/// <summary>
/// The <c>nacos-read</c> and <c>nacos-write</c> pipelines of a cluster: total timeout → retry with
/// jitter → circuit breaker → attempt timeout. Writes are retried only when the request says it is
/// idempotent. In the host they live in Polly's registry (one per purpose and cluster, with Polly's
/// logging and metering); without one (tests, tools) each transport builds its own.
/// </summary>
internal static class NacosPipelines
{
    public const string Read = "nacos-read";
    public const string Write = "nacos-write";

    /// <summary>The request a pipeline run carries, for timeouts and the retry decision.</summary>
    public static readonly ResiliencePropertyKey<NacosRequest> RequestKey = new("nacos.request");

    /// <summary>Polly's registry keyed by <see cref="NacosPipelineKey"/>, with Polly's telemetry on the host's logger factory.</summary>
    public static IServiceCollection AddNacosPipelines(this IServiceCollection services)
    {
        services.AddResiliencePipelineRegistry<NacosPipelineKey>();
        // Retries and attempts against a node that is down are expected: the transport warns about them
        // by message (event 4001); Polly's own records of them, which carry the exception, stay at Debug.
        services.Configure<TelemetryOptions>(o => o.SeverityProvider = args => args.Event.EventName switch
        {
            "OnCircuitOpened" or "OnCircuitClosed" or "OnCircuitHalfOpened" => ResilienceEventSeverity.Information,
            _ => ResilienceEventSeverity.Debug,
        });
        return services;
    }

    /// <summary>The cluster's pipeline for <paramref name="purpose"/>: from the registry when there is one, else built here.</summary>
    public static ResiliencePipeline Get(ResiliencePipelineRegistry<NacosPipelineKey>? registry, string purpose, NacosTransportOptions options)
    {
        if (registry is not null)
        {
            return registry.GetOrAddPipeline(new NacosPipelineKey(purpose, options.Name), builder => Configure(builder, purpose, options));
        }

        var builder = new ResiliencePipelineBuilder().ConfigureTelemetry(NullLoggerFactory.Instance);
        Configure(builder, purpose, options);
        return builder.Build();
    }

    /// <summary>Adds the four strategies, in the house order, to <paramref name="builder"/>.</summary>
    public static void Configure(ResiliencePipelineBuilder builder, string purpose, NacosTransportOptions options)
    {
        var retryWrites = purpose == Write;
        var attempt = options.RequestTimeout * Math.Min(options.Servers.Count, 3) + TimeSpan.FromSeconds(1);
        var total = attempt * (options.MaxRetries + 1) + TimeSpan.FromSeconds(5);
        NacosPipelineShape.Add(builder, purpose, options.Name, options.MaxRetries, options.RetryDelay, options.BreakDuration,
            total: c => c.Properties.TryGetValue(RequestKey, out var r) && r.Timeout is { } t ? t * (options.MaxRetries + 1) + TimeSpan.FromSeconds(5) : total,
            attempt: c => c.Properties.TryGetValue(RequestKey, out var r) && r.Timeout is { } t ? t + TimeSpan.FromSeconds(1) : attempt,
            IsTransient,
            retryable: c => c.Properties.TryGetValue(RequestKey, out var r) && (r.IsRead || (retryWrites && r.Idempotent)));
    }

    /// <summary>Failures worth another node, another attempt, and counted by the breaker.</summary>
    public static bool IsTransient(Exception? exception) => exception switch
    {
        NacosUnreachableException => true,
        NacosRejectedException rejected => rejected.IsServerError,
        TimeoutRejectedException => true,
        _ => false,
    };
}
