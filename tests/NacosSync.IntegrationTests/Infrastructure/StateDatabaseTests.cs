using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using NacosSync.Storage.State;

namespace NacosSync.IntegrationTests.Infrastructure;

[TestFixture]
internal sealed class StateDatabaseTests
{
    [Test]
    public async Task Migrating_twice_applies_each_script_once_and_changes_nothing_the_second_time()
    {
        var database = await MariaDbServer.CreateDatabaseAsync("state");
        var migrator = new StateSchemaMigrator(database, NullLogger<StateSchemaMigrator>.Instance);

        var first = await migrator.MigrateAsync(CancellationToken.None);
        await using var connection = await database.OpenAsync(CancellationToken.None);
        var schemaBefore = await DescribeSchemaAsync(connection);
        var second = await migrator.MigrateAsync(CancellationToken.None);
        var schemaAfter = await DescribeSchemaAsync(connection);

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(StateSchemaMigrator.Scripts.Count), "the first start applies every script");
            Assert.That(second, Is.Zero, "the second start finds every script applied");
            Assert.That(schemaAfter, Is.EqualTo(schemaBefore), "a second migration must not change any table");
        });
    }

    [Test]
    public async Task A_checkpoint_survives_a_new_store_and_keeps_its_full_sync_time()
    {
        var database = await MariaDbServer.CreateDatabaseAsync("checkpoint");
        await new StateSchemaMigrator(database, NullLogger<StateSchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);

        await new CheckpointStore(database, TimeProvider.System).SaveAsync("t1", "config", "nid=41", fullSyncCompleted: true, CancellationToken.None);
        await new CheckpointStore(database, TimeProvider.System).SaveAsync("t1", "config", "nid=42", fullSyncCompleted: false, CancellationToken.None);
        var loaded = await new CheckpointStore(database, TimeProvider.System).LoadAsync("t1", "config", CancellationToken.None);

        Assert.That(loaded, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(loaded!.Position, Is.EqualTo("nid=42"), "the newest position wins");
            Assert.That(loaded.FullSyncAt, Is.Not.Null, "an incremental save must not erase the time of the last full sync");
        });
    }

    private static async Task<string> DescribeSchemaAsync(System.Data.Common.DbConnection connection)
    {
        var rows = await connection.QueryAsync<string>(
            "SELECT CONCAT(table_name, '.', column_name, ':', column_type) FROM information_schema.columns WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position");
        return string.Join('\n', rows);
    }
}
