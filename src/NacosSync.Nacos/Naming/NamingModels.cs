using NacosSync.Core.Naming;

namespace NacosSync.Nacos.Naming;

/// <summary>A namespace of a cluster; the public one is always <c>public</c> here, whatever the version calls it.</summary>
internal sealed record NacosNamespace(string Id, string Name, string Description = "");

/// <summary>What a list of one service's instances answered.</summary>
/// <param name="IncludesDisabled">False: the list hid disabled instances (v1 <c>instance/list</c>); true: it shows them (the v3 admin catalog).</param>
/// <param name="LastRefTime">The server's <c>lastRefTime</c> (v1); 0 where the answer has none.</param>
internal sealed record ServiceInstancesRead(ServiceSnapshot Service, bool IncludesDisabled, long LastRefTime);

/// <summary>The answer to a beat.</summary>
internal enum BeatOutcome
{
    Ok,

    /// <summary>v1 code 20404, v3 code 21003: the server does not know the instance (expired, deregistered, or a restarted server).</summary>
    UnknownInstance,
}
