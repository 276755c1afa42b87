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

    public DateTimeOffset? StartFullTriedAt { get; set; }

    public UdpPushListener? Listener { get; set; }
}
