using NacosSync.Core.State;
using NacosSync.Core.Sync;

namespace NacosSync.Engine.Naming;

/// <summary>
/// Whether the run-state store still holds a task's kept replica, asked after a 20404 answer. Each question is one
/// row looked up by its key, sent after the answer arrived, so a removal another process made before the answer is
/// never missed, and a mass expiry in the target (thousands of 20404s) costs one small read each, not a read of
/// the whole kept set per answer.
/// </summary>
internal sealed class StoredReplicaSet(IRunStateStore store)
{
    public Task<bool> ContainsAsync(string task, string replicaKey, CancellationToken cancellationToken) =>
        store.ContainsEntryAsync(new StateKey(task, SyncKind.Naming), StateScope.Replica, replicaKey, cancellationToken);
}
