using NacosSync.Core.Naming;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.Engine.Naming;
using NacosSync.Tests.Infrastructure;
using static NacosSync.Tests.Naming.NamingTestData;

namespace NacosSync.Tests.Naming;

[TestFixture]
public sealed class UnsavedReplicaChangesTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly StateKey Key = new("a-to-b", SyncKind.Naming);

    [Test]
    public async Task A_failed_chunk_and_the_ones_after_it_wait_for_the_next_save_and_the_saved_ones_do_not()
    {
        var inner = new InMemoryRunStateStore(TimeProvider.System);
        var store = new ScriptedStore(inner) { FailWrite = 2 };
        using var unsaved = new UnsavedReplicaChanges(store) { ChunkSize = 2 };
        var replicas = Enumerable.Range(1, 5).Select(i => Instance($"10.0.0.{i}")).ToList();
        var gone = Instance("10.0.0.9");
        await inner.WriteEntriesAsync(Key, StateScope.Replica, [ReplicaRow.From("b", gone, At)], [], CancellationToken.None);
        foreach (var replica in replicas)
        {
            unsaved.Kept(Id(replica), "b", replica, At);
        }

        unsaved.Dropped(Id(gone));

        Assert.ThrowsAsync<InvalidOperationException>(() => unsaved.SaveAsync(CancellationToken.None));
        var waiting = replicas.Append(gone).Count(r => unsaved.Contains(Id(r)));

        await unsaved.SaveAsync(CancellationToken.None);
        var rows = await Rows(inner);
        Assert.Multiple(() =>
        {
            Assert.That(store.Writes.Take(2).Select(w => w.Upserts + w.Deletes), Is.EqualTo(new[] { 2, 2 }), "two changes per write");
            Assert.That(waiting, Is.EqualTo(4), "the first chunk saved before the failure; the failed chunk and the last one wait");
            Assert.That(rows.Keys, Is.EquivalentTo(replicas.Select(r => r.Key.Address.Id)), "every kept replica saved once the store answers; the dropped one deleted");
            Assert.That(rows.Values.Select(r => r.Ip), Is.EquivalentTo(replicas.Select(r => r.Key.Ip)), "each row reads back as its replica");
            Assert.That(replicas.Append(gone).Any(r => unsaved.Contains(Id(r))), Is.False, "nothing waits after a whole save");
        });
    }

    [Test]
    public async Task A_replica_changed_while_its_chunk_is_written_waits_with_its_new_value()
    {
        var inner = new InMemoryRunStateStore(TimeProvider.System);
        var store = new ScriptedStore(inner);
        using var unsaved = new UnsavedReplicaChanges(store) { ChunkSize = 1 };
        var first = Instance("10.0.0.1");
        var changed = first with { Weight = 7 };
        unsaved.Kept(Id(first), "b", first, At);
        store.DuringWrite = () => unsaved.Kept(Id(first), "b", changed, At.AddSeconds(1));

        await unsaved.SaveAsync(CancellationToken.None);
        var waiting = unsaved.Contains(Id(first));
        store.DuringWrite = null;
        await unsaved.SaveAsync(CancellationToken.None);
        var rows = await Rows(inner);

        Assert.Multiple(() =>
        {
            Assert.That(waiting, Is.True, "the change made during the write is not dropped as saved");
            Assert.That(rows[first.Key.Address.Id].Weight, Is.EqualTo(7), "the next save writes the new value");
            Assert.That(unsaved.Contains(Id(first)), Is.False);
        });
    }

    [Test]
    public async Task Changes_of_several_tasks_are_written_each_under_its_own_task_in_chunks()
    {
        var store = new InMemoryRunStateStore(TimeProvider.System);
        using var unsaved = new UnsavedReplicaChanges(store) { ChunkSize = 2 };
        var other = new StateKey("c-to-d", SyncKind.Naming);
        var replicas = Enumerable.Range(1, 7).Select(i => Instance($"10.0.1.{i}")).ToList();
        for (var i = 0; i < replicas.Count; i++)
        {
            // Interleaved: odd ones belong to the other task.
            var task = i % 2 == 0 ? Key.Task : other.Task;
            unsaved.Kept(new ReplicaId(task, replicas[i].Key.Address), "b", replicas[i], At);
        }

        await unsaved.SaveAsync(CancellationToken.None);
        var mine = (await store.LoadEntriesAsync(Key, StateScope.Replica, CancellationToken.None)).Select(e => e.Key);
        var theirs = (await store.LoadEntriesAsync(other, StateScope.Replica, CancellationToken.None)).Select(e => e.Key);
        Assert.Multiple(() =>
        {
            Assert.That(mine, Is.EquivalentTo(replicas.Where((_, i) => i % 2 == 0).Select(r => r.Key.Address.Id)));
            Assert.That(theirs, Is.EquivalentTo(replicas.Where((_, i) => i % 2 == 1).Select(r => r.Key.Address.Id)));
            Assert.That(replicas.Any(r => unsaved.Contains(new ReplicaId(Key.Task, r.Key.Address)) || unsaved.Contains(new ReplicaId(other.Task, r.Key.Address))), Is.False);
        });
    }

    private static ReplicaId Id(NamingInstance replica) => new(Key.Task, replica.Key.Address);

    private static async Task<Dictionary<string, (string Ip, double Weight)>> Rows(InMemoryRunStateStore store)
    {
        var rows = new Dictionary<string, (string Ip, double Weight)>();
        foreach (var entry in await store.LoadEntriesAsync(Key, StateScope.Replica, CancellationToken.None))
        {
            Assert.That(ReplicaRow.TryRead(entry, out var cluster, out var replica), Is.True, entry.Value);
            Assert.That(cluster, Is.EqualTo("b"));
            rows[entry.Key] = (replica.Key.Ip, replica.Weight);
        }

        return rows;
    }

    /// <summary>Records each write's size; fails the n-th write (1-based) or runs a hook inside it.</summary>
    private sealed class ScriptedStore(IRunStateStore inner) : DelegatingRunStateStore(inner)
    {
        public int FailWrite { get; set; }

        public Action? DuringWrite { get; set; }

        public List<(int Upserts, int Deletes)> Writes { get; } = [];

        public override Task WriteEntriesAsync(StateKey key, StateScope scope, IReadOnlyCollection<StateEntry> upserts, IReadOnlyCollection<string> deletes,
            CancellationToken cancellationToken)
        {
            Writes.Add((upserts.Count, deletes.Count));
            if (Writes.Count == FailWrite)
            {
                throw new InvalidOperationException("store down");
            }

            DuringWrite?.Invoke();
            return base.WriteEntriesAsync(key, scope, upserts, deletes, cancellationToken);
        }
    }
}
