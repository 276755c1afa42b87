using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using NacosSync.Core.Config;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Storage.Config;
using NacosSync.Storage.State;

namespace NacosSync.IntegrationTests.Config;

[TestFixture]
internal sealed class ConfigOwnershipLedgerTests
{
    [Test]
    public async Task What_a_task_owns_is_kept_per_target_cluster_and_answered_a_set_at_a_time()
    {
        var state = await MariaDbServer.CreateDatabaseAsync("ledger");
        await new StateSchemaMigrator(state, NullLogger<StateSchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var ledger = new ConfigOwnershipLedger(state);
        var first = new LedgerScope("t", "target-a");
        var second = new LedgerScope("t", "target-b");
        var keys = Enumerable.Range(0, 1_200).Select(i => new ConfigKey(i % 2 == 0 ? "" : "dev", "G", "k" + i)).ToList();
        await ledger.RecordAsync(first, [.. keys.Select(k => (k, "md5"))], CancellationToken.None);

        var ownedInFirst = await ledger.OwnedAsync(first, [.. keys, new ConfigKey("", "G", "k0 ")], CancellationToken.None);
        var ownedInSecond = await ledger.OwnedAsync(second, keys, CancellationToken.None);
        var counts = await ledger.CountByTenantAsync(first, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(ownedInFirst, Has.Count.EqualTo(1_200), "every recorded key, over several chunks; 'k0 ' (a trailing space) is another key");
            Assert.That(ownedInSecond, Is.Empty, "a task pointed at another target owns nothing there");
            Assert.That(counts, Is.EquivalentTo(new Dictionary<string, long> { [""] = 600, ["dev"] = 600 }), "counted per tenant in one query");
        });

        await ledger.ForgetAsync(first, [.. keys.Take(1_000)], CancellationToken.None);
        Assert.That((await ledger.CountByTenantAsync(first, CancellationToken.None)).Values.Sum(), Is.EqualTo(200), "forgotten a set at a time");
    }

    [Test]
    public async Task Entries_written_before_the_ledger_named_its_target_are_claimed_by_the_tasks_current_target()
    {
        var state = await MariaDbServer.CreateDatabaseAsync("ledger");
        await new StateSchemaMigrator(state, NullLogger<StateSchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        await using (var c = await state.OpenAsync(CancellationToken.None))
        {
            await c.ExecuteAsync("INSERT INTO nacossync_config_owned (task_name, tenant_id, group_id, data_id, md5, written_at) VALUES ('t', '', 'G', 'old', 'm', UTC_TIMESTAMP(3))");
        }

        var ledger = new ConfigOwnershipLedger(state);
        var scope = new LedgerScope("t", "tgt");
        Assert.That(await ledger.ClaimUnassignedAsync(scope, CancellationToken.None), Is.EqualTo(1), "the upgraded row is claimed");
        Assert.That(await ledger.OwnedAsync(scope, [new ConfigKey("", "G", "old")], CancellationToken.None), Has.Count.EqualTo(1), "so its config is still removable after the upgrade");
    }
}
