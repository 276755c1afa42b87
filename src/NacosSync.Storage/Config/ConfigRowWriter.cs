using System.Data;
using System.Data.Common;
using Dapper;
using NacosSync.Core.Config;
using NacosSync.Storage.Database;

namespace NacosSync.Storage.Config;

/// <summary>What one write did.</summary>
public enum ConfigWriteOutcome
{
    Inserted,
    Updated,
    Deleted,

    /// <summary>The target already held this content and these attributes: nothing written.</summary>
    Unchanged,

    /// <summary>A delete found no row.</summary>
    Absent,

    /// <summary>The target cannot store the row as it is (for example a 4-byte character in a utf8mb3 column).</summary>
    NotStorable,

    /// <summary>Any other database error; the message says which.</summary>
    Failed,
}

/// <summary>The result of one write, by key.</summary>
public sealed record ConfigWriteResult(ConfigKey Key, ConfigWriteOutcome Outcome, string? Error = null)
{
    public bool Changed => Outcome is ConfigWriteOutcome.Inserted or ConfigWriteOutcome.Updated or ConfigWriteOutcome.Deleted;
}

/// <summary>
/// Writes formal configs into a Nacos database the way Nacos itself does: md5 of the UTF-8 content,
/// <c>gmt_modified</c> = the target database's <c>NOW()</c>, tags in <c>config_tags_relation</c>,
/// <c>encrypted_data_key</c> carried over, and one <c>his_config_info</c> row (<c>I</c>, <c>U</c> with the
/// old content, <c>D</c> with the deleted content) in the same transaction as each change.
/// One key per transaction, so a row the target cannot store costs only that key.
/// </summary>
public sealed class ConfigRowWriter(SqlDatabase database, ConfigSchema schema)
{
    private const string SourceUser = "nacos-sync";
    private const int TransientAttempts = 3;

    /// <summary>Inserts or updates one config unless the target already holds it.</summary>
    public Task<ConfigWriteResult> UpsertAsync(ConfigRow row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.Attributes.EncryptedDataKey.Length > 0 && schema.EncryptedDataKey == EncryptedDataKeyColumn.None)
        {
            return Task.FromResult(new ConfigWriteResult(row.Key, ConfigWriteOutcome.NotStorable,
                "the source row has an encrypted_data_key but the target schema (" + schema.Line + ") has no such column"));
        }

        return WithRetriesAsync(row.Key, (connection, transaction) => UpsertCoreAsync(connection, transaction, row, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Inserts keys the diff found absent from the target, many per transaction: one multi-row statement for the rows, one for
    /// their <c>I</c> history rows and, where tags are set, one for the tag relations, instead of five round trips per key
    /// (an initial copy of 50,000 configs paid 250,000). A chunk that fails as a whole (a key inserted meanwhile by someone
    /// else, a value the target cannot store, a deadlock) is rolled back and written key by key through <see cref="UpsertAsync"/>,
    /// so a bad row still costs only itself and an existing row is updated, never duplicated.
    /// </summary>
    /// <returns>One result per row, in the order given.</returns>
    public async Task<IReadOnlyList<ConfigWriteResult>> InsertAbsentAsync(IReadOnlyList<ConfigRow> rows, int concurrency, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var results = new ConfigWriteResult[rows.Count];
        var oneByOne = new List<int>();
        var chunk = new List<int>();
        long chunkChars = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (row.Attributes.EncryptedDataKey.Length > 0 && schema.EncryptedDataKey == EncryptedDataKeyColumn.None || row.Content.Length > InsertChunkChars)
            {
                oneByOne.Add(i); // refused with its reason, or too large to share a statement
                continue;
            }

            if (chunk.Count == InsertChunkRows || chunkChars + row.Content.Length > InsertChunkChars)
            {
                await FlushAsync();
            }

            chunk.Add(i);
            chunkChars += row.Content.Length;
        }

        await FlushAsync();
        await Parallel.ForEachAsync(oneByOne, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = cancellationToken },
            async (i, ct) => results[i] = await UpsertAsync(rows[i], ct));
        return results;

        async Task FlushAsync()
        {
            if (chunk.Count == 0)
            {
                return;
            }

            if (await TryInsertChunkAsync([.. chunk.Select(c => rows[c])], cancellationToken))
            {
                Interlocked.Increment(ref _chunksWritten);
                chunk.ForEach(c => results[c] = new ConfigWriteResult(rows[c].Key, ConfigWriteOutcome.Inserted));
            }
            else
            {
                Interlocked.Increment(ref _chunksFellBack);
                oneByOne.AddRange(chunk);
            }

            chunk.Clear();
            chunkChars = 0;
        }
    }

    /// <summary>Chunks written whole by <see cref="InsertAbsentAsync"/>, and chunks it wrote key by key after the database refused them (tests, benchmark).</summary>
    internal long ChunksWritten => Interlocked.Read(ref _chunksWritten);

    /// <inheritdoc cref="ChunksWritten"/>
    internal long ChunksFellBack => Interlocked.Read(ref _chunksFellBack);

    private long _chunksWritten;
    private long _chunksFellBack;

    /// <summary>Rows per multi-row insert.</summary>
    private const int InsertChunkRows = 200;

    /// <summary>Content characters per multi-row insert (twice that with the history rows): far below any <c>max_allowed_packet</c> (4 MiB at least).</summary>
    private const int InsertChunkChars = 512 * 1024;

    /// <summary>One transaction for the chunk; false (rolled back) when the database refused it, so the keys are written one by one.</summary>
    private async Task<bool> TryInsertChunkAsync(IReadOnlyList<ConfigRow> rows, CancellationToken cancellationToken)
    {
        rows = [.. rows.Select(WithNormalizedTags)];
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        try
        {
            var parameters = new DynamicParameters();
            parameters.Add("srcUser", SourceUser);
            var values = new List<string>(rows.Count);
            var history = new List<string>(rows.Count);
            for (var i = 0; i < rows.Count; i++)
            {
                var (row, a) = (rows[i], rows[i].Attributes);
                parameters.Add($"d{i}", row.Key.DataId);
                parameters.Add($"g{i}", row.Key.Group);
                parameters.Add($"t{i}", row.Key.Tenant);
                parameters.Add($"c{i}", row.Content);
                parameters.Add($"m{i}", row.Md5);
                parameters.Add($"a{i}", a.AppName);
                parameters.Add($"s{i}", NullIfEmpty(a.Description));
                parameters.Add($"y{i}", NullIfEmpty(a.Type));
                parameters.Add($"k{i}", a.EncryptedDataKey);
                var key = KeyColumn.Length == 0 ? "" : $", @k{i}";
                var historyKey = HistoryKeyColumn.Length == 0 ? "" : $", @k{i}";
                values.Add($"(@d{i}, @g{i}, @t{i}, @c{i}, @m{i}, NOW(), NOW(), @srcUser, @a{i}, @s{i}, @y{i}{key})");
                history.Add($"(0, @d{i}, @g{i}, @t{i}, @a{i}, @c{i}, @m{i}, NOW(), NOW(), @srcUser, 'I'{historyKey})");
            }

            await connection.ExecuteAsync(new CommandDefinition(
                $"INSERT INTO config_info (data_id, group_id, tenant_id, content, md5, gmt_create, gmt_modified, src_user, app_name, c_desc, type{KeyColumn}) VALUES "
                + string.Join(", ", values), parameters, transaction, cancellationToken: cancellationToken));
            if (schema.HasHistory)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    $"INSERT INTO his_config_info (id, data_id, group_id, tenant_id, app_name, content, md5, gmt_create, gmt_modified, src_user, op_type{HistoryKeyColumn}) VALUES "
                    + string.Join(", ", history), parameters, transaction, cancellationToken: cancellationToken));
            }

            if (schema.HasTagsRelation && rows.Any(r => r.Attributes.Tags.Length > 0))
            {
                await InsertTagsAsync(connection, transaction, rows, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            return true;
        }
        catch (DbException ex)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            if (SqlDatabase.Classify(ex) is DbErrorKind.Unreachable or DbErrorKind.AccessDenied)
            {
                throw;
            }

            return false;
        }
    }

    /// <summary>The tag relations of freshly inserted rows: their ids read back by key inside the transaction (auto-increment ids of one statement need not be consecutive).</summary>
    private static async Task InsertTagsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<ConfigRow> rows, CancellationToken cancellationToken)
    {
        var tagged = rows.Where(r => r.Attributes.Tags.Length > 0).ToList();
        var lookup = new DynamicParameters();
        var where = new List<string>(tagged.Count);
        for (var i = 0; i < tagged.Count; i++)
        {
            lookup.Add($"d{i}", tagged[i].Key.DataId);
            lookup.Add($"g{i}", tagged[i].Key.Group);
            lookup.Add($"t{i}", tagged[i].Key.Tenant);
            where.Add($"(data_id = @d{i} AND group_id = @g{i} AND tenant_id = @t{i})");
        }

        var ids = (await connection.QueryAsync<(long Id, string DataId, string GroupId, string Tenant)>(new CommandDefinition(
                "SELECT id, data_id, IFNULL(group_id, ''), IFNULL(tenant_id, '') FROM config_info WHERE " + string.Join(" OR ", where), lookup, transaction,
                cancellationToken: cancellationToken)))
            .ToDictionary(r => new ConfigKey(r.Tenant, r.GroupId, r.DataId), r => r.Id);
        var relations = new DynamicParameters();
        var values = new List<string>();
        for (var i = 0; i < tagged.Count; i++)
        {
            var row = tagged[i];
            relations.Add($"i{i}", ids[row.Key]);
            relations.Add($"d{i}", row.Key.DataId);
            relations.Add($"g{i}", row.Key.Group);
            relations.Add($"t{i}", row.Key.Tenant);
            var tags = row.Attributes.Tags.Split(',', StringSplitOptions.RemoveEmptyEntries);
            for (var j = 0; j < tags.Length; j++)
            {
                relations.Add($"n{i}_{j}", tags[j]);
                values.Add($"(@i{i}, @n{i}_{j}, NULL, @d{i}, @g{i}, @t{i})");
            }
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO config_tags_relation (id, tag_name, tag_type, data_id, group_id, tenant_id) VALUES " + string.Join(", ", values), relations, transaction,
            cancellationToken: cancellationToken));
    }

    /// <summary>Deletes one config, writing its <c>D</c> history row (what 2.3+ nodes learn deletes from).</summary>
    public Task<ConfigWriteResult> DeleteAsync(ConfigKey key, CancellationToken cancellationToken) =>
        WithRetriesAsync(key, (connection, transaction) => DeleteCoreAsync(connection, transaction, key, cancellationToken), cancellationToken);

    private async Task<ConfigWriteResult> WithRetriesAsync(ConfigKey key, Func<DbConnection, DbTransaction, Task<ConfigWriteOutcome>> write, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
            try
            {
                var outcome = await write(connection, transaction);
                if (outcome == ConfigWriteOutcome.Failed)
                {
                    await transaction.RollbackAsync(CancellationToken.None);
                    return new ConfigWriteResult(key, outcome, "another key equal to this one under the target's collation (trailing spaces) holds its slot");
                }

                await transaction.CommitAsync(cancellationToken);
                return new ConfigWriteResult(key, outcome);
            }
            catch (DbException ex)
            {
                await transaction.RollbackAsync(CancellationToken.None);
                switch (SqlDatabase.Classify(ex))
                {
                    case DbErrorKind.Transient or DbErrorKind.DuplicateKey when attempt < TransientAttempts:
                        // A deadlock, or a concurrent insert of the same key: the next attempt sees the committed row.
                        continue;
                    case DbErrorKind.ValueNotStorable:
                        return new ConfigWriteResult(key, ConfigWriteOutcome.NotStorable, ex.Message);
                    case DbErrorKind.Unreachable or DbErrorKind.AccessDenied:
                        throw;
                    default:
                        return new ConfigWriteResult(key, ConfigWriteOutcome.Failed, ex.Message);
                }
            }
        }
    }

    private string KeyColumn => schema.EncryptedDataKey == EncryptedDataKeyColumn.None ? "" : ", encrypted_data_key";

    private string KeyValue => schema.EncryptedDataKey == EncryptedDataKeyColumn.None ? "" : ", @encryptedDataKey";

    private string HistoryKeyColumn => schema.HistoryHasEncryptedDataKey ? ", encrypted_data_key" : "";

    private string HistoryKeyValue => schema.HistoryHasEncryptedDataKey ? ", @encryptedDataKey" : "";

    private async Task<ConfigWriteOutcome> UpsertCoreAsync(DbConnection connection, DbTransaction transaction, ConfigRow row, CancellationToken cancellationToken)
    {
        row = WithNormalizedTags(row);
        var existing = await LockAsync(connection, transaction, row.Key, cancellationToken);
        if (existing is not null && !existing.Exact(row.Key))
        {
            // The _bin collations ignore trailing spaces: another key holds this unique slot.
            return ConfigWriteOutcome.Failed;
        }

        // Unchanged only with its md5 column right too: a full diff reads the target's stored md5, so a stale one over
        // the same content is rewritten here once rather than found again by every diff.
        if (existing is not null
            && ConfigMd5.Of(existing.Content ?? "") == row.Md5
            && string.Equals(existing.Md5, row.Md5, StringComparison.OrdinalIgnoreCase)
            && existing.Attributes(schema) == row.Attributes)
        {
            return ConfigWriteOutcome.Unchanged;
        }

        var a = row.Attributes;
        var values = new
        {
            dataId = row.Key.DataId,
            group = row.Key.Group,
            tenant = row.Key.Tenant,
            content = row.Content,
            md5 = row.Md5,
            appName = a.AppName,
            desc = NullIfEmpty(a.Description),
            type = NullIfEmpty(a.Type),
            encryptedDataKey = a.EncryptedDataKey,
            srcUser = SourceUser,
        };
        long id;
        if (existing is null)
        {
            id = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"""
                INSERT INTO config_info (data_id, group_id, tenant_id, content, md5, gmt_create, gmt_modified, src_user, app_name, c_desc, type{KeyColumn})
                VALUES (@dataId, @group, @tenant, @content, @md5, NOW(), NOW(), @srcUser, @appName, @desc, @type{KeyValue});
                SELECT LAST_INSERT_ID();
                """, values, transaction, cancellationToken: cancellationToken));
            await InsertHistoryAsync(connection, transaction, 0, row.Key, row.Content, row.Md5, a.AppName, a.EncryptedDataKey, "I", cancellationToken);
        }
        else
        {
            id = existing.Id;
            await connection.ExecuteAsync(new CommandDefinition($"""
                UPDATE config_info SET content = @content, md5 = @md5, gmt_modified = NOW(), src_user = @srcUser,
                  app_name = @appName, c_desc = @desc, type = @type{(KeyColumn.Length == 0 ? "" : ", encrypted_data_key = @encryptedDataKey")}
                WHERE id = @id
                """, new { values.content, values.md5, values.srcUser, values.appName, values.desc, values.type, values.encryptedDataKey, id },
                transaction, cancellationToken: cancellationToken));
            await InsertHistoryAsync(connection, transaction, id, row.Key, existing.Content ?? "", existing.Md5 ?? "", existing.AppName ?? "",
                existing.EncryptedDataKey ?? "", "U", cancellationToken);
        }

        if (schema.HasTagsRelation)
        {
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM config_tags_relation WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken));
            foreach (var tag in a.Tags.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO config_tags_relation (id, tag_name, tag_type, data_id, group_id, tenant_id) VALUES (@id, @tag, NULL, @dataId, @group, @tenant)",
                    new { id, tag, values.dataId, values.group, values.tenant }, transaction, cancellationToken: cancellationToken));
            }
        }

        return existing is null ? ConfigWriteOutcome.Inserted : ConfigWriteOutcome.Updated;
    }

    private async Task<ConfigWriteOutcome> DeleteCoreAsync(DbConnection connection, DbTransaction transaction, ConfigKey key, CancellationToken cancellationToken)
    {
        var existing = await LockAsync(connection, transaction, key, cancellationToken);
        if (existing is null || !existing.Exact(key))
        {
            return ConfigWriteOutcome.Absent;
        }

        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM config_info WHERE id = @id", new { id = existing.Id }, transaction, cancellationToken: cancellationToken));
        if (schema.HasTagsRelation)
        {
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM config_tags_relation WHERE id = @id", new { id = existing.Id }, transaction, cancellationToken: cancellationToken));
        }

        await InsertHistoryAsync(connection, transaction, existing.Id, key, existing.Content ?? "", existing.Md5 ?? "", existing.AppName ?? "",
            existing.EncryptedDataKey ?? "", "D", cancellationToken);
        return ConfigWriteOutcome.Deleted;
    }

    private async Task<ExistingRow?> LockAsync(DbConnection connection, DbTransaction transaction, ConfigKey key, CancellationToken cancellationToken)
    {
        var keyColumn = schema.EncryptedDataKey == EncryptedDataKeyColumn.None ? "''" : "IFNULL(c.encrypted_data_key, '')";
        var tags = schema.HasTagsRelation
            ? "(SELECT GROUP_CONCAT(t.tag_name ORDER BY t.tag_name SEPARATOR ',') FROM config_tags_relation t WHERE t.id = c.id)"
            : "NULL";
        var rows = await connection.QueryAsync<ExistingRow>(new CommandDefinition($"""
            SELECT c.id AS Id, c.data_id AS DataId, IFNULL(c.group_id, '') AS GroupId, IFNULL(c.tenant_id, '') AS Tenant, c.content AS Content, c.md5 AS Md5,
              c.app_name AS AppName, c.c_desc AS Description, c.type AS Type, {keyColumn} AS EncryptedDataKey, {tags} AS Tags
            FROM config_info c WHERE c.data_id = @dataId AND c.group_id = @group AND c.tenant_id = @tenant FOR UPDATE
            """, new { dataId = key.DataId, group = key.Group, tenant = key.Tenant }, transaction, cancellationToken: cancellationToken));
        return rows.FirstOrDefault();
    }

    private async Task InsertHistoryAsync(DbConnection connection, DbTransaction transaction, long id, ConfigKey key, string content, string md5,
        string appName, string encryptedDataKey, string op, CancellationToken cancellationToken)
    {
        if (!schema.HasHistory)
        {
            return;
        }

        await connection.ExecuteAsync(new CommandDefinition($"""
            INSERT INTO his_config_info (id, data_id, group_id, tenant_id, app_name, content, md5, gmt_create, gmt_modified, src_user, op_type{HistoryKeyColumn})
            VALUES (@id, @dataId, @group, @tenant, @appName, @content, @md5, NOW(), NOW(), @srcUser, @op{HistoryKeyValue})
            """, new { id, dataId = key.DataId, group = key.Group, tenant = key.Tenant, appName, content, md5, srcUser = SourceUser, op, encryptedDataKey },
            transaction, cancellationToken: cancellationToken));
    }

    private static ConfigRow WithNormalizedTags(ConfigRow row) => row with { Attributes = row.Attributes with { Tags = ConfigAttributes.NormalizeTags(row.Attributes.Tags) } };

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private sealed class ExistingRow
    {
        public long Id { get; set; }

        public string DataId { get; set; } = "";

        public string GroupId { get; set; } = "";

        public string Tenant { get; set; } = "";

        public string? Content { get; set; }

        public string? Md5 { get; set; }

        public string? AppName { get; set; }

        public string? Description { get; set; }

        public string? Type { get; set; }

        public string? EncryptedDataKey { get; set; }

        public string? Tags { get; set; }

        public bool Exact(ConfigKey key) => DataId == key.DataId && GroupId == key.Group && Tenant == key.Tenant;

        public ConfigAttributes Attributes(ConfigSchema schema) =>
            new(Type ?? "", AppName ?? "", Description ?? "", ConfigAttributes.NormalizeTags(Tags), schema.EncryptedDataKey == EncryptedDataKeyColumn.None ? "" : EncryptedDataKey ?? "");
    }
}
