using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NacosSync.Core.Config;
using NacosSync.Core.Options;
using NacosSync.Core.State;
using NacosSync.Hosting.HighAvailability;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Storage.Config;
using NacosSync.Storage.Database;
using NacosSync.Storage.State;

namespace NacosSync.IntegrationTests.HighAvailability;

/// <summary>
/// The config ownership ledger (which target configs a task wrote, <c>nacossync_config_owned</c>) is written
/// under the task's lease like the run state: a replaced owner forgetting keys the new owner has just recorded
/// would leave target configs that no later source delete removes.
/// </summary>
[TestFixture]
internal sealed class ConfigLedgerFencingTests
{
    private static readonly HighAvailabilityOptions Defaults = new();
    private static readonly LedgerScope Scope = new("t1", "b");
    private static readonly ConfigKey Kept = new("", "DEFAULT_GROUP", "kept.yaml");
    private static readonly ConfigKey Late = new("", "DEFAULT_GROUP", "late.yaml");
    private FakeTimeProvider _clock = null!;
    private SqlDatabase _database = null!;

    [SetUp]
    public async Task SetUp()
    {
        _clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        _database = await MariaDbServer.CreateDatabaseAsync("ledgerfence");
        await new StateSchemaMigrator(_database, NullLogger<StateSchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
    }

    [Test]
    public async Task A_replaced_owner_can_neither_record_nor_forget_nor_claim_ledger_entries_and_the_new_owners_entries_stand()
    {
        var a = Ownership("replica-a");
        var b = Ownership("replica-b");
        await a.TickAsync(CancellationToken.None);
        await b.TickAsync(CancellationToken.None);
        Assert.That((a.IsOwner("t1"), b.IsOwner("t1")), Is.EqualTo((true, false)), "a came first");
        var ledgerOfA = new ConfigOwnershipLedger(_database, a);
        var ledgerOfB = new ConfigOwnershipLedger(_database, b);
        await ledgerOfA.RecordAsync(Scope, [(Kept, "md5-a")], CancellationToken.None);

        // a stops renewing (a long pause); b takes the task over and records the key again.
        for (var i = 0; i < 4 && !b.IsOwner("t1"); i++)
        {
            _clock.Advance(Defaults.LeaseRenewInterval);
            await b.TickAsync(CancellationToken.None);
        }

        Assert.That(b.IsOwner("t1"), Is.True, "b owns the task within a lease duration of a's last renewal");
        await ledgerOfB.RecordAsync(Scope, [(Kept, "md5-b")], CancellationToken.None);

        // a wakes up and still believes it owns t1 (it has not ticked): every ledger write is refused.
        Assert.That(a.IsOwner("t1"), Is.True, "a has not noticed yet: only the fence stands between it and the ledger");
        var forget = Assert.ThrowsAsync<StaleTaskLeaseException>(() => ledgerOfA.ForgetAsync(Scope, [Kept], CancellationToken.None));
        var record = Assert.ThrowsAsync<StaleTaskLeaseException>(() => ledgerOfA.RecordAsync(Scope, [(Late, "md5-late")], CancellationToken.None));
        var claim = Assert.ThrowsAsync<StaleTaskLeaseException>(() => ledgerOfA.ClaimUnassignedAsync(Scope, CancellationToken.None));
        var owned = await ledgerOfB.OwnedAsync(Scope, [Kept, Late], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(forget!.Message, Does.Contain("token 2 of replica-b"), "a is told who owns the task now");
            Assert.That(record!.Token, Is.EqualTo(1), "a's write named its old token");
            Assert.That(claim, Is.Not.Null, "claiming unassigned entries is a write too");
            Assert.That(owned, Is.EquivalentTo(new[] { Kept }), "the new owner's entry survives a's forget, and a's late record never landed");
        });
    }

    [Test]
    public async Task The_daemons_ledger_refuses_a_write_for_a_task_this_replica_holds_no_lease_on()
    {
        // The composition, not a hand-built ledger: the daemon with high availability on (not started, so it holds no lease).
        var state = NacosSync.IntegrationTests.Hosting.DaemonHostTests.StateConnectionString(_database);
        var settings = new Dictionary<string, string?>
        {
            ["Clusters:a:ServerAddresses:0"] = "127.0.0.1:1",
            ["Clusters:a:Database:ConnectionString"] = state, // never opened: the host is only built
            ["Clusters:b:ServerAddresses:0"] = "127.0.0.1:2",
            ["Clusters:b:Database:ConnectionString"] = state,
            ["Tasks:t1:Source"] = "a",
            ["Tasks:t1:Target"] = "b",
            ["Tasks:t1:Naming:Enabled"] = "false",
            ["Tasks:t1:Schedule:FullCron"] = "0 0 0 1 1 ? 2099",
            ["State:Database:ConnectionString"] = state,
            ["Endpoint:Url"] = "http://127.0.0.1:0",
        };
        await using var app = NacosSync.Hosting.NacosSyncHost.BuildDaemon(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), _ => { });
        var ledger = app.Services.GetRequiredService<ConfigOwnershipLedger>();

        var refused = Assert.ThrowsAsync<StaleTaskLeaseException>(() => ledger.RecordAsync(Scope, [(Late, "md5")], CancellationToken.None));
        var owned = await ledger.OwnedAsync(Scope, [Late], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(refused!.Task, Is.EqualTo("t1"), "the refusal names the task");
            Assert.That(owned, Is.Empty, "nothing was written");
        });
    }

    private TaskOwnership Ownership(string name) =>
        new(new MySqlTaskLeaseStore(_database, _clock), new ReplicaIdentity(name, name), Defaults, ["t1"], [], _clock, NullLogger<TaskOwnership>.Instance);
}
