using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
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
    public async Task A_checkpoint_of_the_table_before_the_run_state_store_carries_over_as_version_1()
    {
        var database = await MariaDbServer.CreateDatabaseAsync("carryover");
        await new StateSchemaMigrator(database, NullLogger<StateSchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            // A row as an earlier daemon left it, then the run-state migration as it runs on that database.
            await connection.ExecuteAsync("""
                INSERT INTO nacossync_checkpoint (task_name, kind, position, full_sync_at, updated_at)
                VALUES ('t1', 'config', 'nid=42', '2026-01-02 03:04:05.000', '2026-01-02 03:04:06.000')
                """);
            await connection.ExecuteAsync(StateSchemaMigrator.Scripts.Single(s => s.Version == 3).Sql);
        }

        var loaded = await new MySqlRunStateStore(database, TimeProvider.System).LoadCheckpointAsync(new StateKey("t1", SyncKind.Config), CancellationToken.None);

        Assert.That(loaded, Is.Not.Null, "an upgrade must not forget where a task was");
        Assert.Multiple(() =>
        {
            Assert.That(loaded!.Position, Is.EqualTo("nid=42"));
            Assert.That(loaded.FullSyncAt, Is.EqualTo(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)), "the first full sync stays done: no deletions held back again");
            Assert.That(loaded.Version, Is.EqualTo(1), "the next save names version 1");
        });
    }

    private static async Task<string> DescribeSchemaAsync(System.Data.Common.DbConnection connection)
    {
        var rows = await connection.QueryAsync<string>(
            "SELECT CONCAT(table_name, '.', column_name, ':', column_type) FROM information_schema.columns WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position");
        return string.Join('\n', rows);
    }
}
