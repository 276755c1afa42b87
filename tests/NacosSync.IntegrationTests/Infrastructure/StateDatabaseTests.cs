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

    [Test]
    public async Task The_run_entries_keep_only_their_primary_key_and_a_rerun_of_the_drop_after_a_crash_is_recorded_not_failed()
    {
        var database = await MariaDbServer.CreateDatabaseAsync("dropindex");
        var migrator = new StateSchemaMigrator(database, NullLogger<StateSchemaMigrator>.Instance);
        await migrator.MigrateAsync(CancellationToken.None);
        await using var connection = await database.OpenAsync(CancellationToken.None);
        var indexes = (await connection.QueryAsync<string>(
            "SELECT DISTINCT index_name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 'nacossync_run_entry'")).ToList();

        // A crash after the DROP and before its version was recorded: the next start runs the script again.
        var drop = StateSchemaMigrator.Scripts.Single(s => StateSchemaMigrator.RequiredIndex(s.Sql) is not null);
        await connection.ExecuteAsync("DELETE FROM nacossync_schema_version WHERE version = @version", new { version = drop.Version });
        var rerun = await migrator.MigrateAsync(CancellationToken.None);
        var recorded = await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM nacossync_schema_version WHERE version = @version", new { version = drop.Version });

        Assert.Multiple(() =>
        {
            Assert.That(indexes, Is.EqualTo(new[] { "PRIMARY" }), "a kept replica's row is one index entry, not two");
            Assert.That(rerun, Is.EqualTo(1), "the rerun counts as the script applied");
            Assert.That(recorded, Is.EqualTo(1), "and is recorded, so the next start skips it");
        });
    }

    [Test]
    public void A_condition_line_names_one_index_or_is_refused_by_name()
    {
        Assert.Multiple(() =>
        {
            Assert.That(StateSchemaMigrator.RequiredIndex("-- why\n  -- only-if-index-exists:  t.ix \nALTER TABLE t DROP INDEX ix;"), Is.EqualTo(("t", "ix")));
            Assert.That(StateSchemaMigrator.RequiredIndex("CREATE TABLE IF NOT EXISTS t (a INT);"), Is.Null);
            Assert.That(() => StateSchemaMigrator.RequiredIndex("-- only-if-index-exists: ix"),
                Throws.TypeOf<FormatException>().With.Message.Contains("-- only-if-index-exists: ix"));
            Assert.That(() => StateSchemaMigrator.RequiredIndex("-- only-if-index-exists: a.b.c"), Throws.TypeOf<FormatException>());
        });
    }

    private static async Task<string> DescribeSchemaAsync(System.Data.Common.DbConnection connection)
    {
        var rows = await connection.QueryAsync<string>(
            "SELECT CONCAT(table_name, '.', column_name, ':', column_type) FROM information_schema.columns WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position");
        return string.Join('\n', rows);
    }
}
