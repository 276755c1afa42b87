using System.Collections.Concurrent;
using NacosSync.Core.Naming;

namespace NacosSync.Engine.Naming;

/// <summary>What the <see cref="NamingChangeFeed"/> knows of one task: its watched services, their scope, and its push listener.</summary>
internal sealed class NamingTaskWatch
{
    public long Pushes;

    public ConcurrentDictionary<ServiceKey, ServiceWatch> Services { get; } = new();

    public IReadOnlyList<string> Namespaces { get; set; } = [];

    public bool EveryNamespace { get; set; }

    public bool Ready { get; set; }

    public DateTimeOffset LastListing { get; set; }

    /// <summary>The listing in progress, shared by the runs that ask meanwhile; null when none.</summary>
    public Task? Listing { get; set; }

    public DateTimeOffset? StartFullTriedAt { get; set; }

    public UdpPushListener? Listener { get; set; }

    /// <summary>The gRPC feed (2.x/3.x source on gRPC); null on the UDP feed.</summary>
    public GrpcServiceSubscriber? Subscriber { get; set; }

    /// <summary>Whether the source's transport was looked up (gRPC subscriber or UDP listener chosen).</summary>
    public bool FeedChosen { get; set; }

    /// <summary>The gRPC feed's last listing of every group (HTTP catalog): finds services in groups no watched service is in.</summary>
    public DateTimeOffset LastGroupDiscovery { get; set; }
}
