using Dapper;
using NacosSync.Core.Config;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Sandbox;
using NacosSync.Storage.Config;
using NacosSync.Storage.Database;
using KeyColumn = NacosSync.Storage.Config.EncryptedDataKeyColumn;

namespace NacosSync.IntegrationTests.Config;

[TestFixture]
internal sealed class ConfigStorageTests
{
    private static async Task<(SqlDatabase Database, ConfigSchema Schema)> CreateAsync(NacosVersionProfile profile)
    {
        var database = await MariaDbServer.CreateDatabaseAsync("cfgstore");
        await NacosSchema.CreateAsync(database, profile, CancellationToken.None);
        return (database, await ConfigSchema.DetectAsync(database, CancellationToken.None));
    }

    private static ConfigRow Row(string dataId, string content, string tenant = "", string group = "DEFAULT_GROUP", string tags = "", string key = "") =>
        new(new ConfigKey(tenant, group, dataId), content, new ConfigAttributes("yaml", "app", "desc", tags, key));

    [TestCase(NacosVersionProfile.V1_4, KeyColumn.None, true, false, "1.4-2.0")]
    [TestCase(NacosVersionProfile.V2_2_0, KeyColumn.Required, true, false, "2.1-2.3")]
    [TestCase(NacosVersionProfile.V2_4, KeyColumn.WithDefault, true, false, "2.4-2.5.0")]
    [TestCase(NacosVersionProfile.V3_0, KeyColumn.WithDefault, false, true, "2.5.1+/3.0")]
    public async Task The_schema_line_is_detected_from_columns_and_tables(NacosVersionProfile profile, KeyColumn key, bool betaAndTag, bool gray, string line)
    {
        var (_, schema) = await CreateAsync(profile);
        Assert.Multiple(() =>
        {
            Assert.That(schema.EncryptedDataKey, Is.EqualTo(key), "encrypted_data_key column shape");
            Assert.That(schema.HasBetaAndTag, Is.EqualTo(betaAndTag), "beta/tag tables");
            Assert.That(schema.HasGray, Is.EqualTo(gray), "gray table");
            Assert.That(schema.Line, Is.EqualTo(line), "the line reported in logs and errors");
            Assert.That(ConfigSchema.Unsupported(schema, schema), Is.Empty, "every Nacos profile is supported against itself");
        });
    }

    [Test]
    public async Task A_database_without_nacos_tables_is_reported_unsupported()
    {
        var empty = await MariaDbServer.CreateDatabaseAsync("cfgempty");
        var (_, schema) = await CreateAsync(NacosVersionProfile.V2_4);
        var problems = ConfigSchema.Unsupported(schema, await ConfigSchema.DetectAsync(empty, CancellationToken.None));
        Assert.That(problems, Has.Some.Contains("target database has no config_info"), "the message names the side and the table");
    }

    [Test]
    public async Task Writes_set_md5_the_target_clock_tags_and_one_history_row_per_change_like_nacos()
    {
        var (database, schema) = await CreateAsync(NacosVersionProfile.V2_4);
        var writer = new ConfigRowWriter(database, schema);
        var store = new ConfigRowStore(database, schema);
        var row = Row("app.yaml", "a: 1\n中文 😀", tags: "b,a", key: "edk");

        var inserted = await writer.UpsertAsync(row, CancellationToken.None);
        var again = await writer.UpsertAsync(row, CancellationToken.None);
        var updated = await writer.UpsertAsync(row with { Content = "a: 2" }, CancellationToken.None);
        var read = (await store.ReadRowsAsync([row.Key], CancellationToken.None))[row.Key];
        var deleted = await writer.DeleteAsync(row.Key, CancellationToken.None);

        await using var connection = await database.OpenAsync(CancellationToken.None);
        var history = (await connection.QueryAsync<(string Op, string Content, long Id)>(
            "SELECT TRIM(op_type), content, id FROM his_config_info ORDER BY nid")).ToList();
        var drift = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM config_info");
        Assert.Multiple(() =>
        {
            Assert.That((inserted.Outcome, again.Outcome, updated.Outcome, deleted.Outcome),
                Is.EqualTo((ConfigWriteOutcome.Inserted, ConfigWriteOutcome.Unchanged, ConfigWriteOutcome.Updated, ConfigWriteOutcome.Deleted)),
                "an identical second write changes nothing");
            Assert.That(read.Content, Is.EqualTo("a: 2"), "content stored");
            Assert.That(read.Attributes.Tags, Is.EqualTo("a,b"), "tags in config_tags_relation");
            Assert.That(read.Attributes.EncryptedDataKey, Is.EqualTo("edk"), "encrypted_data_key carried over");
            Assert.That(history.Select(h => h.Op), Is.EqualTo(new[] { "I", "U", "D" }), "one history row per change, none for the unchanged write");
            Assert.That(history[1].Content, Is.EqualTo(row.Content), "U rows hold the old content");
            Assert.That(history[2].Content, Is.EqualTo("a: 2"), "D rows hold the deleted content");
            Assert.That(history[0].Id, Is.Zero, "I rows have id 0 as in Nacos");
            Assert.That(drift, Is.Zero, "the delete removed the row");
        });
    }

    [Test]
    public async Task Md5_and_gmt_modified_come_from_the_content_and_the_target_database_clock()
    {
        var (database, schema) = await CreateAsync(NacosVersionProfile.V2_4);
        var row = Row("x", "ünïcödé");
        await new ConfigRowWriter(database, schema).UpsertAsync(row, CancellationToken.None);
        await using var connection = await database.OpenAsync(CancellationToken.None);
        var (md5, dbMd5, ageSeconds) = await connection.QuerySingleAsync<(string, string, long)>(
            "SELECT md5, MD5(content), TIMESTAMPDIFF(SECOND, gmt_modified, NOW()) FROM config_info");
        Assert.Multiple(() =>
        {
            Assert.That(md5, Is.EqualTo(dbMd5), "our md5 agrees with MySQL's MD5(content), i.e. UTF-8 bytes");
            Assert.That(ageSeconds, Is.InRange(0, 5), "gmt_modified is the target's NOW()");
        });
    }

    [Test]
    public async Task A_row_the_target_cannot_store_is_reported_by_key_and_the_rest_of_the_batch_is_written()
    {
        var (database, schema) = await CreateAsync(NacosVersionProfile.V2_4);
        await NarrowContentToUtf8Mb3Async(database);

        var writer = new ConfigRowWriter(database, schema);
        var results = new List<ConfigWriteResult>();
        foreach (var row in new[] { Row("a", "fine"), Row("b", "emoji 😀"), Row("c", "also fine") })
        {
            results.Add(await writer.UpsertAsync(row, CancellationToken.None));
        }

        var stored = await new ConfigRowStore(database, schema).ReadRowsAsync(
            [new ConfigKey("", "DEFAULT_GROUP", "a"), new ConfigKey("", "DEFAULT_GROUP", "b"), new ConfigKey("", "DEFAULT_GROUP", "c")], CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(results.Select(r => r.Outcome), Is.EqualTo(new[] { ConfigWriteOutcome.Inserted, ConfigWriteOutcome.NotStorable, ConfigWriteOutcome.Inserted }),
                "only the 4-byte row fails");
            Assert.That(results[1].Key.DataId, Is.EqualTo("b"), "the failure names its key");
            Assert.That(stored.Keys.Select(k => k.DataId).Order(), Is.EqualTo(new[] { "a", "c" }), "nothing else is lost");
        });
    }

    [TestCase(NacosVersionProfile.V1_4)]
    [TestCase(NacosVersionProfile.V2_2_0)]
    [TestCase(NacosVersionProfile.V3_0)]
    public async Task Absent_keys_inserted_a_chunk_at_a_time_are_stored_exactly_as_written_one_by_one(NacosVersionProfile profile)
    {
        var (chunked, schema) = await CreateAsync(profile);
        var (oneByOne, _) = await CreateAsync(profile);
        var key = schema.EncryptedDataKey == KeyColumn.None ? "" : "edk";
        ConfigRow[] rows = [Row("a", "a: 1\n中文 😀", tags: "z,b,b", key: key), Row("b", "", tenant: "dev"), Row("c", "x", group: "G", tags: "t")];
        var writer = new ConfigRowWriter(chunked, schema);

        var results = await writer.InsertAbsentAsync(rows, concurrency: 2, CancellationToken.None);
        foreach (var row in rows)
        {
            await new ConfigRowWriter(oneByOne, schema).UpsertAsync(row, CancellationToken.None);
        }

        var keys = rows.Select(r => r.Key).ToList();
        var (stored, expected) = (await new ConfigRowStore(chunked, schema).ReadRowsAsync(keys, CancellationToken.None),
            await new ConfigRowStore(oneByOne, schema).ReadRowsAsync(keys, CancellationToken.None));
        var (history, expectedHistory) = (await HistoryAsync(chunked), await HistoryAsync(oneByOne));
        var (tags, expectedTags) = (await TagRelationsAsync(chunked, schema), await TagRelationsAsync(oneByOne, schema));
        Assert.Multiple(() =>
        {
            Assert.That(results.Select(r => (r.Key, r.Outcome)), Is.EqualTo(rows.Select(r => (r.Key, ConfigWriteOutcome.Inserted))), "one result per row, in order");
            Assert.That(writer.ChunksWritten, Is.EqualTo(1), "the three rows went in one transaction");
            Assert.That(stored.OrderBy(r => r.Key.DataId).Select(r => (r.Key, r.Value.Content, r.Value.Md5, r.Value.Attributes)),
                Is.EqualTo(expected.OrderBy(r => r.Key.DataId).Select(r => (r.Key, r.Value.Content, r.Value.Md5, r.Value.Attributes))), "rows, md5, attributes and tags");
            Assert.That(history, Is.EqualTo(expectedHistory), "one I history row each, as the one-by-one path writes it");
            Assert.That(tags, Is.EqualTo(expectedTags), "tag relations point at their rows");
            Assert.That(tags, Has.Count.EqualTo(schema.HasTagsRelation ? 3 : 0), "tags normalized and de-duplicated");
        });
    }

    [Test]
    public async Task A_chunk_the_database_refuses_is_written_key_by_key_so_an_existing_row_is_updated_and_a_bad_one_costs_only_itself()
    {
        var (database, schema) = await CreateAsync(NacosVersionProfile.V2_4);
        await NarrowContentToUtf8Mb3Async(database);

        var writer = new ConfigRowWriter(database, schema);
        await writer.UpsertAsync(Row("b", "written meanwhile by someone else"), CancellationToken.None);
        ConfigRow[] rows = [Row("a", "fine"), Row("b", "from the source"), Row("c", "emoji 😀"), Row("d", "also fine")];

        var results = await writer.InsertAbsentAsync(rows, concurrency: 2, CancellationToken.None);

        var stored = await new ConfigRowStore(database, schema).ReadRowsAsync([.. rows.Select(r => r.Key)], CancellationToken.None);
        await using var check = await database.OpenAsync(CancellationToken.None);
        var copies = await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM config_info WHERE data_id = 'b'");
        Assert.Multiple(() =>
        {
            Assert.That(results.Select(r => r.Outcome), Is.EqualTo(new[] { ConfigWriteOutcome.Inserted, ConfigWriteOutcome.Updated, ConfigWriteOutcome.NotStorable, ConfigWriteOutcome.Inserted }),
                "the refused chunk's keys each get their own outcome");
            Assert.That((writer.ChunksWritten, writer.ChunksFellBack), Is.EqualTo((0L, 1L)), "the chunk was rolled back whole, then written key by key");
            Assert.That(copies, Is.EqualTo(1), "the existing row is updated, not duplicated");
            Assert.That(stored[rows[1].Key].Content, Is.EqualTo("from the source"), "and holds the source's content");
            Assert.That(stored.Keys.Select(k => k.DataId).Order(), Is.EqualTo(new[] { "a", "b", "d" }), "nothing else is lost");
        });
    }

    /// <summary>Nacos ships utf8 (3-byte) tables: a 4-byte character does not fit.</summary>
    private static async Task NarrowContentToUtf8Mb3Async(SqlDatabase database)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync("SET SESSION sql_mode = 'STRICT_ALL_TABLES'; ALTER TABLE config_info MODIFY content longtext CHARACTER SET utf8mb3 COLLATE utf8mb3_bin NOT NULL");
    }

    private static async Task<List<(string DataId, string Group, string Tenant, long Id, string Op, string Content, string Md5, string App)>> HistoryAsync(SqlDatabase database)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        return [.. await connection.QueryAsync<(string, string, string, long, string, string, string, string)>(
            "SELECT data_id, group_id, tenant_id, id, TRIM(op_type), content, md5, IFNULL(app_name, '') FROM his_config_info ORDER BY data_id")];
    }

    private static async Task<List<(string DataId, string Tag, bool SameRow)>> TagRelationsAsync(SqlDatabase database, ConfigSchema schema)
    {
        if (!schema.HasTagsRelation)
        {
            return [];
        }

        await using var connection = await database.OpenAsync(CancellationToken.None);
        return [.. await connection.QueryAsync<(string, string, bool)>(
            "SELECT r.data_id, r.tag_name, c.data_id = r.data_id AND c.group_id = r.group_id AND c.tenant_id = r.tenant_id FROM config_tags_relation r "
            + "JOIN config_info c ON c.id = r.id ORDER BY r.data_id, r.tag_name")];
    }

    [Test]
    public async Task Digests_stream_in_utf8_byte_order_across_pages_with_odd_keys_and_contents()
    {
        var (database, schema) = await CreateAsync(NacosVersionProfile.V2_4);
        var writer = new ConfigRowWriter(database, schema);
        string[] dataIds = ["b", "a", "A", "a.b", "a-b", "z", "\uE000", "😀", "中", "a b", "_x", "9"];
        var big = new string('x', 5 * 1024 * 1024) + "末";
        foreach (var (id, i) in dataIds.Select((d, i) => (d, i)))
        {
            await writer.UpsertAsync(Row(id, i == 0 ? big : i == 1 ? "" : id, group: i % 2 == 0 ? "G2" : "G1"), CancellationToken.None);
        }

        var store = new ConfigRowStore(database, schema) { PageSize = 3 };
        var read = new List<ConfigDigest>();
        await foreach (var d in store.ReadDigestsAsync("", null, [], (_, _) => true, CancellationToken.None))
        {
            read.Add(d);
        }

        var expected = dataIds.Select((d, i) => new ConfigKey("", i % 2 == 0 ? "G2" : "G1", d)).Order(ConfigKeyComparer.Instance).ToList();

        // Pages bounded by keys read ahead: a count that is a multiple of the page (an empty last page), one over,
        // a page larger than the table, one, two and three pages in flight; the same keys in the same order each time.
        var walks = new List<(int PageSize, int InFlight, List<ConfigKey> Keys)>();
        foreach (var (pageSize, inFlight) in new[] { (3, 1), (3, 3), (4, 2), (5, 2), (11, 2), (12, 2), (13, 2), (1, 2) })
        {
            var walk = new ConfigRowStore(database, schema) { PageSize = pageSize, PagesInFlight = inFlight };
            var keys = new List<ConfigKey>();
            await foreach (var d in walk.ReadDigestsAsync([""], _ => true, CancellationToken.None))
            {
                keys.Add(d.Key);
            }

            walks.Add((pageSize, inFlight, keys));
        }

        Assert.That(walks.Where(w => !w.Keys.SequenceEqual(expected)).Select(w => $"page {w.PageSize}, {w.InFlight} in flight: {string.Join(" ", w.Keys.Select(k => k.DataId))}"),
            Is.Empty, "every page size and read-ahead walks every key once, in the comparer's order");
        var rows = await store.ReadRowsAsync([new ConfigKey("", "G2", "b"), new ConfigKey("", "G1", "a")], CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(read.Select(d => d.Key), Is.EqualTo(expected), "the database order equals the comparer's across page boundaries");
            Assert.That(rows[new ConfigKey("", "G2", "b")].Content, Is.EqualTo(big), "a 5 MB content round-trips byte-exact");
            Assert.That(rows[new ConfigKey("", "G1", "a")].Content, Is.Empty, "empty content round-trips");
            Assert.That(read.Single(d => d.Key.DataId == "b").Md5, Is.EqualTo(ConfigMd5.Of(big)), "server-side MD5 matches ours");
        });
    }

    [TestCase(NacosVersionProfile.V1_4)]
    [TestCase(NacosVersionProfile.V3_0)]
    public async Task A_target_read_by_its_stored_md5_still_differs_wherever_its_content_does(NacosVersionProfile profile)
    {
        var (source, schema) = await CreateAsync(profile);
        var (target, _) = await CreateAsync(profile);
        string[] ids = ["same", "content-edited", "md5-stale", "md5-empty", "md5-null", "tags-differ"];
        foreach (var id in ids)
        {
            await new ConfigRowWriter(source, schema).UpsertAsync(Row(id, $"{id}: 1\n中文 😀", tags: "a"), CancellationToken.None);
            await new ConfigRowWriter(target, schema).UpsertAsync(Row(id, $"{id}: 1\n中文 😀", tags: id == "tags-differ" ? "b" : "a"), CancellationToken.None);
        }

        // Edits by hand, as an operator (or a replication tool) makes them: content under its old md5, an md5 of
        // nothing over the right content, an md5 column left empty or NULL (1.4's column is nullable).
        await using (var connection = await target.OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("UPDATE config_info SET content = 'content-edited: 2' WHERE data_id = 'content-edited'");
            await connection.ExecuteAsync("UPDATE config_info SET md5 = MD5('something else') WHERE data_id = 'md5-stale'");
            await connection.ExecuteAsync("UPDATE config_info SET md5 = '' WHERE data_id = 'md5-empty'");
            await connection.ExecuteAsync(profile == NacosVersionProfile.V1_4
                ? "UPDATE config_info SET md5 = NULL WHERE data_id = 'md5-null'"
                : "UPDATE config_info SET md5 = '' WHERE data_id = 'md5-null'");
        }

        var sourceRows = new ConfigRowStore(source, schema) { PageSize = 2 };
        var targetRows = new ConfigRowStore(target, schema) { Md5 = ConfigDigestMd5.StoredColumn, PageSize = 2 };
        var differences = new List<ConfigDifference>();
        await foreach (var d in ConfigDiff.DiffAsync(sourceRows.ReadDigestsAsync([""], _ => true, CancellationToken.None),
            targetRows.ReadDigestsAsync([""], _ => true, CancellationToken.None), CancellationToken.None))
        {
            differences.Add(d);
        }

        var targetDigests = new List<ConfigDigest>();
        await foreach (var d in targetRows.ReadDigestsAsync([""], _ => true, CancellationToken.None))
        {
            targetDigests.Add(d);
        }

        Assert.Multiple(() =>
        {
            Assert.That(differences.Select(d => (d.Key.DataId, d.Kind)).Order(),
                Is.EqualTo(new[] { ("content-edited", ConfigChangeKind.Update), ("md5-stale", ConfigChangeKind.Update), ("tags-differ", ConfigChangeKind.Update) }.Order()),
                "the content edited under its old md5 differs by CRC32(content); the stale md5 by its md5; an empty md5 is computed");
            Assert.That(targetDigests.Single(d => d.Key.DataId == "md5-null").Md5, Is.EqualTo(ConfigMd5.Of("md5-null: 1\n中文 😀")), "an empty md5 column is MD5(content)");
            Assert.That(targetDigests.Single(d => d.Key.DataId == "same").Md5, Is.EqualTo(ConfigMd5.Of("same: 1\n中文 😀")), "the stored column is what was written");
            Assert.That(targetDigests.Select(d => d.ContentCrc), Has.All.Not.Null, "every walked digest carries the content's CRC32");
        });

        // Writing the source's rows over the differing ones repairs them: the stale md5 is rewritten, not left to be found again.
        var sourceRowsByKey = await sourceRows.ReadRowsAsync([.. differences.Select(d => d.Key)], CancellationToken.None);
        var outcomes = new List<ConfigWriteOutcome>();
        foreach (var row in sourceRowsByKey.Values)
        {
            outcomes.Add((await new ConfigRowWriter(target, schema).UpsertAsync(row, CancellationToken.None)).Outcome);
        }

        var again = 0;
        await foreach (var _ in ConfigDiff.DiffAsync(sourceRows.ReadDigestsAsync([""], _ => true, CancellationToken.None),
            targetRows.ReadDigestsAsync([""], _ => true, CancellationToken.None), CancellationToken.None))
        {
            again++;
        }

        Assert.Multiple(() =>
        {
            Assert.That(outcomes, Has.All.EqualTo(ConfigWriteOutcome.Updated), "each differing row, the stale md5 over the same content included, is written");
            Assert.That(again, Is.Zero, "the next diff finds nothing");
        });
    }

    [Test]
    public async Task The_history_feed_returns_changes_after_a_nid_and_the_overlap_window()
    {
        var (database, schema) = await CreateAsync(NacosVersionProfile.V2_4);
        var writer = new ConfigRowWriter(database, schema);
        await writer.UpsertAsync(Row("a", "1"), CancellationToken.None);
        await writer.UpsertAsync(Row("b", "1"), CancellationToken.None);
        await writer.DeleteAsync(new ConfigKey("", "DEFAULT_GROUP", "a"), CancellationToken.None);
        var feed = new ConfigHistoryFeed(database);
        var all = await feed.ReadAfterAsync(0, 100, CancellationToken.None);
        var after = await feed.ReadAfterAsync(all[0].Nid, 100, CancellationToken.None);
        var overlap = await feed.ReadOverlapAsync(all[1].Nid, DateTime.UtcNow.AddYears(-1), CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(all.Select(e => (e.Key.DataId, e.Operation)), Is.EqualTo(new[] { ("a", "I"), ("b", "I"), ("a", "D") }), "every change in nid order");
            Assert.That(after, Has.Count.EqualTo(2), "after a nid");
            Assert.That(overlap, Has.Count.EqualTo(2), "the overlap re-reads rows up to the checkpoint's nid");
        });
    }
}
