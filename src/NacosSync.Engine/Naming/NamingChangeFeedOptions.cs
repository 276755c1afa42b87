using NacosSync.Core.Naming;

namespace NacosSync.Engine.Naming;

/// <summary>Tuning of the <see cref="NamingChangeFeed"/>.</summary>
internal sealed record NamingChangeFeedOptions
{
    /// <summary>How often each subscription is renewed by repeating the list call (Nacos forgets a push client after 10 s). Default 7.5 s.</summary>
    public TimeSpan RenewInterval { get; init; } = TimeSpan.FromSeconds(7.5);

    /// <summary>How often the source's service names are listed to find new and vanished services. Default 30 s.</summary>
    public TimeSpan ListingInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most services one incremental run re-reads. Default 2,000.</summary>
    public int MaxBatch { get; init; } = 2_000;

    /// <summary>The address the source nodes push to; null finds the local address that routes to the source.</summary>
    public string? ClientIp { get; init; }

    /// <summary>While the start-up full run keeps failing, how often an incremental tick tries it again. Default 10 s.</summary>
    public TimeSpan StartFullRunRetry { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Services one incremental run should re-read, and when each changed (pushed) first.</summary>
internal sealed record NamingChangeBatch(IReadOnlyList<ServiceKey> Services, IReadOnlyDictionary<ServiceKey, DateTimeOffset> ChangedAt, DateTimeOffset? OldestPending);
