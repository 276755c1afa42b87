using Microsoft.Extensions.Logging.Abstractions;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Storage.State;

namespace NacosSync.IntegrationTests.State;

/// <summary>
/// One contract, two stores: what a run hands on must behave the same in memory (a single replica
/// without a state database) and in MySQL (any replica can take over), as Quartz's RAM and ADO job
/// stores do.
/// </summary>
[TestFixture("memory")]
[TestFixture("mysql")]
internal sealed class RunStateStoreContractTests(string store)
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private FakeTimeProvider _clock = null!;
    private Func<IRunStateStore> _open = null!;

    [SetUp]
    public async Task SetUp()
    {
        _clock = new FakeTimeProvider(Start);
        if (store == "memory")
        {
            var shared = new InMemoryRunStateStore(_clock);
            _open = () => shared;
            return;
        }

        var database = await MariaDbServer.CreateDatabaseAsync("runstate");
        await new StateSchemaMigrator(database, NullLogger<StateSchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        _open = () => new MySqlRunStateStore(database, _clock);
    }

    [Test]
    public async Task A_first_save_names_version_zero_and_each_save_moves_the_version_by_one()
    {
        var key = new StateKey("t1", SyncKind.Config);
        Assert.That(await _open().LoadCheckpointAsync(key, CancellationToken.None), Is.Null, "nothing saved yet");

        var first = await _open().SaveCheckpointAsync(key, "nid=41", fullSyncCompleted: true, expectedVersion: 0, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(5));
        var second = await _open().SaveCheckpointAsync(key, "nid=42", fullSyncCompleted: false, first.Version, CancellationToken.None);
        var loaded = await _open().LoadCheckpointAsync(key, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(first.Version, Is.EqualTo(1));
            Assert.That(second.Version, Is.EqualTo(2));
            Assert.That(loaded!.Position, Is.EqualTo("nid=42"), "the newest position wins");
            Assert.That(loaded.FullSyncAt, Is.EqualTo(Start), "an incremental save keeps the time of the last full sync");
            Assert.That(loaded.UpdatedAt, Is.EqualTo(Start.AddSeconds(5)));
        });
    }

    [Test]
    public async Task A_save_that_names_a_stale_version_is_refused_and_changes_nothing()
    {
        var key = new StateKey("t1", SyncKind.Naming);
        var saved = await _open().SaveCheckpointAsync(key, "a", fullSyncCompleted: false, 0, CancellationToken.None);
        await _open().SaveCheckpointAsync(key, "b", fullSyncCompleted: false, saved.Version, CancellationToken.None);

        var conflict = Assert.ThrowsAsync<CheckpointConflictException>(() =>
            _open().SaveCheckpointAsync(key, "stale writer", fullSyncCompleted: true, saved.Version, CancellationToken.None));
        var again = Assert.ThrowsAsync<CheckpointConflictException>(() =>
            _open().SaveCheckpointAsync(key, "second first save", fullSyncCompleted: true, 0, CancellationToken.None));
        var loaded = await _open().LoadCheckpointAsync(key, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(conflict!.ActualVersion, Is.EqualTo(2), "the error says what the store holds");
            Assert.That(again!.ExpectedVersion, Is.Zero);
            Assert.That(loaded!.Position, Is.EqualTo("b"), "a refused save must not touch the checkpoint");
            Assert.That(loaded.FullSyncAt, Is.Null, "nor its full-sync time");
        });
    }

    [Test]
    public async Task Entries_are_kept_per_task_kind_and_scope_and_upserted_and_deleted_by_key()
    {
        var config = new StateKey("t1", SyncKind.Config);
        var otherTask = new StateKey("t2", SyncKind.Config);
        await _open().WriteEntriesAsync(config, StateScope.Pending, [new("k1", "v1", Start), new("k2", "v2", Start)], [], CancellationToken.None);
        await _open().WriteEntriesAsync(otherTask, StateScope.Pending, [new("k1", "other", Start)], [], CancellationToken.None);
        await _open().WriteEntriesAsync(config, StateScope.Replica, [new("k1", "replica", Start)], [], CancellationToken.None);
        await _open().WriteEntriesAsync(config, StateScope.Pending, [new("k2", "v2'", Start.AddSeconds(1)), new("k3", "v3", Start)], ["k1"], CancellationToken.None);

        var pending = await _open().LoadEntriesAsync(config, StateScope.Pending, CancellationToken.None);
        Assert.That(pending, Is.EqualTo(new[] { new StateEntry("k2", "v2'", Start.AddSeconds(1)), new StateEntry("k3", "v3", Start) }),
            "k1 deleted, k2 replaced, k3 added; other tasks and scopes untouched");
        Assert.That((await _open().LoadEntriesAsync(otherTask, StateScope.Pending, CancellationToken.None)).Single().Value, Is.EqualTo("other"));
        Assert.That((await _open().LoadEntriesAsync(config, StateScope.Replica, CancellationToken.None)).Single().Value, Is.EqualTo("replica"));
        Assert.Multiple(async () =>
        {
            Assert.That(await _open().ContainsEntryAsync(config, StateScope.Pending, "k3", CancellationToken.None), Is.True, "added");
            Assert.That(await _open().ContainsEntryAsync(config, StateScope.Pending, "k1", CancellationToken.None), Is.False, "deleted");
            Assert.That(await _open().ContainsEntryAsync(config, StateScope.Replica, "k2", CancellationToken.None), Is.False, "another scope's key");
            Assert.That(await _open().ContainsEntryAsync(otherTask, StateScope.Pending, "k2", CancellationToken.None), Is.False, "another task's key");
        });
    }

    [Test]
    public async Task Thousands_of_entries_with_long_keys_and_values_are_kept_none_dropped()
    {
        var key = new StateKey("t1", SyncKind.Config);
        var longKey = new string('k', 590);
        var rows = Enumerable.Range(0, 2_345).Select(i => new StateEntry($"{i:D5}-{longKey}", new string('v', 3_000) + i, Start.AddSeconds(i))).ToList();
        await _open().WriteEntriesAsync(key, StateScope.Pending, rows, [], CancellationToken.None);

        var loaded = await _open().LoadEntriesAsync(key, StateScope.Pending, CancellationToken.None);
        Assert.That(loaded, Has.Count.EqualTo(rows.Count), "no size cap: every pending key is a row");
        Assert.That(loaded, Is.EquivalentTo(rows), "each key with its own value and time, in full 500-row statements and the last, shorter one");
    }

    [Test]
    public async Task Old_entries_of_a_scope_are_pruned_by_time()
    {
        var key = new StateKey("t1", SyncKind.Naming);
        await _open().WriteEntriesAsync(key, StateScope.Removal, [new("r1", "5", Start), new("r2", "3", Start.AddMinutes(9))], [], CancellationToken.None);
        var pruned = await _open().DeleteEntriesBeforeAsync(key, StateScope.Removal, Start.AddMinutes(1), CancellationToken.None);

        Assert.That(pruned, Is.EqualTo(1));
        Assert.That((await _open().LoadEntriesAsync(key, StateScope.Removal, CancellationToken.None)).Select(e => e.Key), Is.EqualTo(new[] { "r2" }));
    }
}
