using NacosSync.Core.Naming;
using NacosSync.Core.Options;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.Nacos.Naming;

namespace NacosSync.Engine.Naming;

/// <summary>
/// One task as the naming runs see it: its options, who it is in replica metadata, its mapping, and
/// the clients of its two clusters. Built once per run; holds no state of the run.
/// </summary>
internal sealed record NamingTask(string Name, SyncTaskOptions Options, ReplicaOwner Owner, NamingMapper Mapper, NacosNamingClient Source, NacosNamingClient Target)
{
    /// <summary>Where the task's naming state lives in the run-state store.</summary>
    public StateKey StateKey => new(Name, SyncKind.Naming);

    public string TargetCluster => Options.Target;

    public GuardOptions Guards => Options.Guards;
}
