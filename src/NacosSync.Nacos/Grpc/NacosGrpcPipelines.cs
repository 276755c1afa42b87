using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Registry;
using Polly.Timeout;
using NacosSync.Nacos.Grpc.Messages;
using NacosSync.Nacos.Transport;

namespace NacosSync.Nacos.Grpc;

/// <summary>
/// The <c>nacos-grpc-read</c> and <c>nacos-grpc-write</c> pipelines of a cluster's unary calls, in
/// the house order as for HTTP (<see cref="NacosPipelines"/>): total timeout → retry with jitter →
/// circuit breaker → attempt timeout. An attempt covers waiting for a reconnect and the call's own
/// deadline (<see cref="NacosGrpcOptions.RequestTimeout"/>); writes are retried only when the
/// request says it is idempotent. Kept in the same Polly registry as the HTTP ones, keyed by purpose
/// and cluster.
/// </summary>
internal static class NacosGrpcPipelines
{
    public const string Read = "nacos-grpc-read";
    public const string Write = "nacos-grpc-write";

    /// <summary>The request a pipeline run carries, for the retry decision.</summary>
    public static readonly ResiliencePropertyKey<GrpcRequest> RequestKey = new("nacos.grpc.request");

    /// <param name="time">The clock of pipelines built here (the registry's come with the host's).</param>
    public static ResiliencePipeline Get(ResiliencePipelineRegistry<NacosPipelineKey>? registry, string purpose, NacosGrpcOptions options, TimeProvider time)
    {
        if (registry is not null)
        {
            return registry.GetOrAddPipeline(new NacosPipelineKey(purpose, options.Name), builder => Configure(builder, purpose, options));
        }

        var builder = new ResiliencePipelineBuilder { TimeProvider = time }.ConfigureTelemetry(NullLoggerFactory.Instance);
        Configure(builder, purpose, options);
        return builder.Build();
    }

    public static void Configure(ResiliencePipelineBuilder builder, string purpose, NacosGrpcOptions options)
    {
        // One attempt: a reconnect round over the nodes may come first, then the call's deadline.
        var attempt = options.RequestTimeout * 2 + TimeSpan.FromSeconds(1);
        var total = attempt * (options.MaxRetries + 1) + TimeSpan.FromSeconds(5);
        var retryWrites = purpose == Write;
        NacosPipelineShape.Add(builder, purpose, options.Name, options.MaxRetries, options.RetryDelay, options.BreakDuration,
            total: _ => total,
            attempt: _ => attempt,
            IsTransient,
            retryable: c => c.Properties.TryGetValue(RequestKey, out var r) && (r.IsRead || (retryWrites && r.Idempotent)));
    }

    /// <summary>Failures worth another attempt (after a reconnect, perhaps to another node), and counted by the breaker.</summary>
    public static bool IsTransient(Exception? exception) => exception switch
    {
        NacosUnreachableException => true,
        NacosRejectedException rejected => rejected.IsServerError,
        TimeoutRejectedException => true,
        _ => false,
    };
}
