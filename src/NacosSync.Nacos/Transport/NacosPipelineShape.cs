using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace NacosSync.Nacos.Transport;

/// <summary>
/// The one shape of every Nacos pipeline, HTTP (<see cref="NacosPipelines"/>) and gRPC (<c>NacosGrpcPipelines</c>) alike,
/// in the house order: total timeout → retry with jitter → circuit breaker (80 % failures of at least 20 calls in 30 s)
/// → attempt timeout. The transports differ only in their timeouts, what counts as transient and what may be retried.
/// </summary>
internal static class NacosPipelineShape
{
    /// <param name="total">The whole call's timeout, retries included.</param>
    /// <param name="attempt">One attempt's timeout.</param>
    /// <param name="transient">Failures worth another attempt, and counted by the breaker.</param>
    /// <param name="retryable">Whether the call in this context may be sent again at all (reads; idempotent writes).</param>
    public static void Add(ResiliencePipelineBuilder builder, string purpose, string instance, int maxRetries, TimeSpan retryDelay, TimeSpan breakDuration,
        Func<ResilienceContext, TimeSpan> total, Func<ResilienceContext, TimeSpan> attempt, Func<Exception?, bool> transient, Func<ResilienceContext, bool> retryable)
    {
        builder.Name = purpose;
        builder.InstanceName = instance;
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            Name = purpose + "-total",
            TimeoutGenerator = args => ValueTask.FromResult(total(args.Context)),
        });
        if (maxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                Name = purpose + "-retry",
                MaxRetryAttempts = maxRetries,
                Delay = retryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(transient(args.Outcome.Exception) && retryable(args.Context)),
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            Name = purpose + "-breaker",
            FailureRatio = 0.8,
            MinimumThroughput = 20,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = breakDuration,
            ShouldHandle = args => ValueTask.FromResult(transient(args.Outcome.Exception)),
        });
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            Name = purpose + "-attempt",
            TimeoutGenerator = args => ValueTask.FromResult(attempt(args.Context)),
        });
    }
}
