namespace NacosSync.Nacos.Transport;

/// <summary>How to reach one Nacos cluster. Built by the host from <c>ClusterOptions</c> and its secrets.</summary>
internal sealed record NacosTransportOptions
{
    /// <summary>The cluster's key in the configuration; used in logs and error messages.</summary>
    public required string Name { get; init; }

    /// <summary>Base addresses of the nodes (<c>http://10.0.0.1:8848</c>), in the order to try them.</summary>
    public required IReadOnlyList<Uri> Servers { get; init; }

    /// <summary>Default <c>/nacos</c>.</summary>
    public string ContextPath { get; init; } = "/nacos";

    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>Server identity header name; sent on every request when both name and value are set.</summary>
    public string? IdentityKey { get; init; }

    public string? IdentityValue { get; init; }

    /// <summary>Timeout of one request to one node. Default 5 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries after a failed round over the nodes: reads, and idempotent writes. Default 2.</summary>
    public int MaxRetries { get; init; } = 2;

    /// <summary>Base delay between retries (exponential with jitter). Default 200 ms.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long the circuit stays open after too many failures. Default 5 s.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(5);
}
