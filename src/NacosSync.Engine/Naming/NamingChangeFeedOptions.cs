using NacosSync.Core.Naming;

namespace NacosSync.Engine.Naming;

/// <summary>Tuning of the <see cref="NamingChangeFeed"/>.</summary>
internal sealed record NamingChangeFeedOptions
{
    /// <summary>UDP feed: how often each subscription is renewed by repeating the list call (Nacos forgets a push client after 10 s). Default 7.5 s. The gRPC feed renews nothing.</summary>
    public TimeSpan RenewInterval { get; init; } = TimeSpan.FromSeconds(7.5);

    /// <summary>How often the source's service names are listed to find new and vanished services. Default 30 s.</summary>
    public TimeSpan ListingInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// gRPC feed: how often every group is listed through the HTTP catalog (one call per namespace), to find services in
    /// groups no watched service is in; in between, <c>ServiceListRequest</c> lists the watched and known groups. Default 5 min.
    /// </summary>
    public TimeSpan GroupDiscoveryInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>gRPC feed: names per <c>ServiceListRequest</c> page. Default 500.</summary>
    public int ListPageSize { get; init; } = 500;

    /// <summary>gRPC feed: most subscribe requests in flight (the initial subscription of a large registry is spread by it). Default 16.</summary>
    public int SubscribeInFlight { get; init; } = 16;

    /// <summary>Most services one incremental run re-reads. Default 2,000.</summary>
    public int MaxBatch { get; init; } = 2_000;

    /// <summary>The address the source nodes push to; null finds the local address that routes to the source.</summary>
    public string? ClientIp { get; init; }

    /// <summary>While the start-up full run keeps failing, how often an incremental tick tries it again. Default 10 s.</summary>
    public TimeSpan StartFullRunRetry { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Services one incremental run should re-read, and when each changed (pushed) first.</summary>
internal sealed record NamingChangeBatch(IReadOnlyList<ServiceKey> Services, IReadOnlyDictionary<ServiceKey, DateTimeOffset> ChangedAt, DateTimeOffset? OldestPending);
