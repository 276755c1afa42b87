using Microsoft.Extensions.Logging.Abstractions;
using NacosSync.Core.Options;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.Hosting.HighAvailability;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Storage.Database;
using NacosSync.Storage.State;

namespace NacosSync.IntegrationTests.HighAvailability;

/// <summary>Two owners on one state database (the MySQL lease and run-state stores), ticked by hand; the clock the replicas write with is faked.</summary>
[TestFixture]
internal sealed class TaskOwnershipOnMariaDbTests
{
    private static readonly HighAvailabilityOptions Defaults = new();
    private static readonly StateKey Key = new("t1", SyncKind.Naming);
    private FakeTimeProvider _clock = null!;
    private SqlDatabase _database = null!;

    [SetUp]
    public async Task SetUp()
    {
        _clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        _database = await MariaDbServer.CreateDatabaseAsync("owners");
        await new StateSchemaMigrator(_database, NullLogger<StateSchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
    }

    [Test]
    public async Task The_standby_takes_the_task_over_after_the_owner_stops_renewing_and_the_old_owners_write_is_refused()
    {
        var a = Ownership("replica-a");
        var b = Ownership("replica-b");
        var store = new MySqlRunStateStore(_database, _clock);
        var writesOfA = new FencedRunStateStore(store, a);
        var writesOfB = new FencedRunStateStore(store, b);
        await a.TickAsync(CancellationToken.None);
        await b.TickAsync(CancellationToken.None);
        Assert.That((a.IsOwner("t1"), b.IsOwner("t1")), Is.EqualTo((true, false)), "a came first");
        var saved = await writesOfA.SaveCheckpointAsync(Key, "from-a", fullSyncCompleted: false, 0, CancellationToken.None);

        // a stops renewing (dead, or paused); b ticks on.
        for (var i = 0; i < 4 && !b.IsOwner("t1"); i++)
        {
            _clock.Advance(Defaults.LeaseRenewInterval);
            await b.TickAsync(CancellationToken.None);
        }

        Assert.That(b.IsOwner("t1"), Is.True, "b owns the task within a lease duration of a's last renewal");
        var refused = Assert.ThrowsAsync<StaleTaskLeaseException>(() =>
            writesOfA.SaveCheckpointAsync(Key, "late-from-a", fullSyncCompleted: false, saved.Version, CancellationToken.None));
        await writesOfB.SaveCheckpointAsync(Key, "from-b", fullSyncCompleted: false, saved.Version, CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That(refused!.Message, Does.Contain("token 2 of replica-b"), "a is told who owns the task now");
            Assert.That((await store.LoadCheckpointAsync(Key, CancellationToken.None))!.Position, Is.EqualTo("from-b"), "the new owner's write stands");
        });
    }

    private TaskOwnership Ownership(string name) =>
        new(new MySqlTaskLeaseStore(_database, _clock), new ReplicaIdentity(name, name), Defaults, ["t1"], [], _clock, NullLogger<TaskOwnership>.Instance);
}
