using System.Collections.Concurrent;
using NacosSync.Core.State;
using NacosSync.Core.Sync;

namespace NacosSync.Engine.Naming;

/// <summary>
/// The keys of a task's kept replicas as the run-state store holds them, read on demand after 20404
/// answers. A question is answered only by a read that began after its answer arrived, so a removal
/// another process made before the answer is never missed; answers that arrive together share one read.
/// </summary>
internal sealed class StoredReplicaSet(IRunStateStore store)
{
    private readonly ConcurrentDictionary<string, (long StartedAfter, Lazy<Task<HashSet<string>>> Keys)> _reads = new(StringComparer.Ordinal);
    private long _answers;

    /// <summary>Numbers an answer as it arrives; pass the number to <see cref="ContainsAsync"/>.</summary>
    public long AnswerArrived() => Interlocked.Increment(ref _answers);

    public async Task<bool> ContainsAsync(string task, string replicaKey, long answer, CancellationToken cancellationToken)
    {
        var read = _reads.AddOrUpdate(task,
            t => Start(t, cancellationToken),
            (t, old) => old.StartedAfter >= answer && !old.Keys.Value.IsFaulted ? old : Start(t, cancellationToken));
        return (await read.Keys.Value).Contains(replicaKey);
    }

    private (long, Lazy<Task<HashSet<string>>>) Start(string task, CancellationToken cancellationToken) =>
        (Interlocked.Read(ref _answers), new Lazy<Task<HashSet<string>>>(async () =>
            [.. (await store.LoadEntriesAsync(new StateKey(task, SyncKind.Naming), StateScope.Replica, cancellationToken)).Select(r => r.Key)]));
}
