using Microsoft.Extensions.Time.Testing;
using NacosSync.Core.Config;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.Engine.Config;
using NacosSync.Tests.Infrastructure;

namespace NacosSync.Tests.Config;

[TestFixture]
internal sealed class ConfigRunStateStoreTests
{
    [Test]
    public async Task Thousands_of_pending_keys_are_kept_as_rows_and_the_checkpoint_stays_small()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        var store = new InMemoryRunStateStore(clock);
        var state = new ConfigRunStateStore(store, clock);
        var loaded = await state.LoadAsync("t", CancellationToken.None);
        var pending = Enumerable.Range(0, 5_000)
            .Select(i => new PendingConfig(new ConfigKey("tenant-" + new string('t', 100), "GROUP_" + new string('g', 100), "data-id-" + i + new string('d', 200)), "md5", clock.GetUtcNow()))
            .ToList();

        await state.SaveAsync("t", loaded, new ConfigPosition(42, new DateTime(2026, 1, 1)), fullSyncCompleted: true, pending, CancellationToken.None);
        var checkpoint = await store.LoadCheckpointAsync(new StateKey("t", SyncKind.Config), CancellationToken.None);
        var reloaded = await state.LoadAsync("t", CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(checkpoint!.Position!, Has.Length.LessThan(300), "the checkpoint holds the position only, so it always fits its column");
            Assert.That(reloaded.Pending, Has.Count.EqualTo(5_000), "every pending key survives: no cap, none dropped");
            Assert.That(reloaded.Pending.Select(p => p.Key), Is.EquivalentTo(pending.Select(p => p.Key)), "the same keys");
            Assert.That(reloaded.FirstFullSyncDone, Is.True);
        });
    }

    [Test]
    public async Task Keys_proven_since_are_deleted_and_a_stale_save_is_refused()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        var state = new ConfigRunStateStore(new InMemoryRunStateStore(clock), clock);
        var empty = await state.LoadAsync("t", CancellationToken.None);
        var a = new PendingConfig(new ConfigKey("", "G", "a"), "m", null);
        var b = new PendingConfig(new ConfigKey("", "G", "b"), "m", null);
        await state.SaveAsync("t", empty, new ConfigPosition(1, default), false, [a, b], CancellationToken.None);
        var first = await state.LoadAsync("t", CancellationToken.None);
        await state.SaveAsync("t", first, new ConfigPosition(2, default), false, [b], CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That((await state.LoadAsync("t", CancellationToken.None)).Pending.Select(p => p.Key), Is.EqualTo(new[] { b.Key }), "a, proven, is gone");
            Assert.That(() => state.SaveAsync("t", first, new ConfigPosition(3, default), false, [], CancellationToken.None), Throws.TypeOf<CheckpointConflictException>(),
                "a writer holding an old version cannot move the checkpoint (compare-and-set)");
        });
    }

    [Test]
    public async Task A_checkpoint_written_before_pending_keys_became_rows_hands_its_keys_over()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        var store = new InMemoryRunStateStore(clock);
        await store.SaveCheckpointAsync(new StateKey("t", SyncKind.Config),
            """{"Nid":7,"SourceTime":"2026-01-01T00:00:00","Pending":[{"Tenant":"","Group":"G","DataId":"x","Md5":"m"}]}""", true, 0, CancellationToken.None);
        var loaded = await new ConfigRunStateStore(store, clock).LoadAsync("t", CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(loaded.Position!.Nid, Is.EqualTo(7));
            Assert.That(loaded.Pending.Single().Key, Is.EqualTo(new ConfigKey("", "G", "x")), "nothing pending is lost across the upgrade");
        });
    }

    [Test]
    public async Task Removals_count_against_the_window_until_it_has_passed()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        var state = new ConfigRunStateStore(new InMemoryRunStateStore(clock), clock);
        await state.RecordRemovalsAsync("t", 7, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(4));
        await state.RecordRemovalsAsync("t", 5, CancellationToken.None);
        Assert.That(await state.RemovedWithinAsync("t", TimeSpan.FromMinutes(10), CancellationToken.None), Is.EqualTo(12), "both runs fall in the window");
        clock.Advance(TimeSpan.FromMinutes(7));
        Assert.That(await state.RemovedWithinAsync("t", TimeSpan.FromMinutes(10), CancellationToken.None), Is.EqualTo(5), "the first run's removals have left the window");
    }
}
