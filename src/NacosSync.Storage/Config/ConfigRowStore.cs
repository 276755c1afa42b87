using System.Runtime.CompilerServices;
using System.Text;
using Dapper;
using NacosSync.Core.Config;
using NacosSync.Storage.Database;

namespace NacosSync.Storage.Config;

/// <summary>
/// Reads formal configs (<c>config_info</c> with its tags) of one Nacos database: key-ordered digests
/// in keyset pages for the diff, whole rows only for the keys that differ.
/// </summary>
public sealed class ConfigRowStore(SqlDatabase database, ConfigSchema schema)
{
    /// <summary>Rows per digest page. Default 2,000.</summary>
    public int PageSize { get; init; } = 2_000;

    public SqlDatabase Database => database;

    public ConfigSchema Schema => schema;

    private string EncryptedKeyColumn => schema.EncryptedDataKey == EncryptedDataKeyColumn.None ? "''" : "IFNULL(c.encrypted_data_key, '')";

    private string TagsColumn => schema.HasTagsRelation
        ? "(SELECT GROUP_CONCAT(t.tag_name ORDER BY t.tag_name SEPARATOR ',') FROM config_tags_relation t WHERE t.id = c.id)"
        : "NULL";

    /// <summary>Every <c>tenant_id</c> that holds at least one config.</summary>
    public async Task<IReadOnlyList<string>> ReadTenantsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT DISTINCT IFNULL(tenant_id, '') FROM config_info", cancellationToken: cancellationToken))];
    }

    /// <summary>
    /// Streams the digests of one tenant, ordered by (group, dataId) in UTF-8 byte order (the order
    /// of <see cref="ConfigKeyComparer"/>). <paramref name="group"/> restricts to one group;
    /// <paramref name="excludedGroups"/> leaves groups out; <paramref name="keep"/> filters in memory.
    /// The md5 is computed from the content by the server (<c>MD5(content)</c>), so a row edited by
    /// hand with a stale md5 column still shows as drift.
    /// </summary>
    public async IAsyncEnumerable<ConfigDigest> ReadDigestsAsync(
        string tenant,
        string? group,
        IReadOnlyList<string> excludedGroups,
        Func<string, string, bool> keep,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(excludedGroups);
        ArgumentNullException.ThrowIfNull(keep);
        var sql = new StringBuilder($"""
            SELECT IFNULL(c.group_id, '') AS GroupId, c.data_id AS DataId, MD5(c.content) AS Md5, IFNULL(c.type, '') AS Type,
              IFNULL(c.app_name, '') AS AppName, IFNULL(c.c_desc, '') AS Description, {EncryptedKeyColumn} AS EncryptedDataKey,
              {TagsColumn} AS Tags
            FROM config_info c
            WHERE IFNULL(c.tenant_id, '') = @tenant
            """);
        if (group is not null)
        {
            sql.Append(" AND c.group_id = @group");
        }

        if (excludedGroups.Count > 0)
        {
            sql.Append(" AND IFNULL(c.group_id, '') NOT IN @excludedGroups");
        }

        const string Order = " ORDER BY CAST(IFNULL(c.group_id, '') AS BINARY), CAST(c.data_id AS BINARY) LIMIT @limit";
        var firstPage = sql + Order;
        var nextPage = sql + """
             AND (CAST(IFNULL(c.group_id, '') AS BINARY) > @lastGroup
              OR (CAST(IFNULL(c.group_id, '') AS BINARY) = @lastGroup AND CAST(c.data_id AS BINARY) > @lastDataId))
            """ + Order;
        byte[] lastGroup = [];
        byte[] lastDataId = [];
        var first = true;
        while (true)
        {
            List<DigestRow> page;
            await using (var connection = await database.OpenAsync(cancellationToken))
            {
                await connection.ExecuteAsync(new CommandDefinition("SET SESSION group_concat_max_len = 1048576", cancellationToken: cancellationToken));
                page = [.. await connection.QueryAsync<DigestRow>(new CommandDefinition(first ? firstPage : nextPage,
                    new { tenant, group, excludedGroups, lastGroup, lastDataId, limit = PageSize }, cancellationToken: cancellationToken))];
            }

            foreach (var row in page)
            {
                if (keep(row.GroupId, row.DataId))
                {
                    yield return new ConfigDigest(new ConfigKey(tenant, row.GroupId, row.DataId), row.Md5,
                        new ConfigAttributes(row.Type, row.AppName, row.Description, ConfigAttributes.NormalizeTags(row.Tags), row.EncryptedDataKey));
                }
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            first = false;
            lastGroup = Encoding.UTF8.GetBytes(page[^1].GroupId);
            lastDataId = Encoding.UTF8.GetBytes(page[^1].DataId);
        }
    }

    /// <summary>The digest of one key, or null when absent.</summary>
    public async Task<ConfigDigest?> ReadDigestAsync(ConfigKey key, CancellationToken cancellationToken)
    {
        var rows = await ReadRowsAsync([key], cancellationToken);
        return rows.TryGetValue(key, out var row) ? row.Digest : null;
    }

    /// <summary>Whole rows (with content) of the given keys; absent keys are missing from the answer.</summary>
    public async Task<Dictionary<ConfigKey, ConfigRow>> ReadRowsAsync(IReadOnlyCollection<ConfigKey> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var result = new Dictionary<ConfigKey, ConfigRow>();
        if (keys.Count == 0)
        {
            return result;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("SET SESSION group_concat_max_len = 1048576", cancellationToken: cancellationToken));
        foreach (var chunk in keys.Chunk(200))
        {
            var parameters = new DynamicParameters();
            var tuples = new StringBuilder();
            for (var i = 0; i < chunk.Length; i++)
            {
                tuples.Append(i == 0 ? "" : ",").Append(System.Globalization.CultureInfo.InvariantCulture, $"(@d{i}, @g{i}, @t{i})");
                parameters.Add($"d{i}", chunk[i].DataId);
                parameters.Add($"g{i}", chunk[i].Group);
                parameters.Add($"t{i}", chunk[i].Tenant);
            }

            var rows = await connection.QueryAsync<FullRow>(new CommandDefinition($"""
                SELECT IFNULL(c.tenant_id, '') AS Tenant, IFNULL(c.group_id, '') AS GroupId, c.data_id AS DataId, c.content AS Content,
                  IFNULL(c.type, '') AS Type, IFNULL(c.app_name, '') AS AppName, IFNULL(c.c_desc, '') AS Description,
                  {EncryptedKeyColumn} AS EncryptedDataKey, {TagsColumn} AS Tags
                FROM config_info c WHERE (c.data_id, c.group_id, c.tenant_id) IN ({tuples})
                """, parameters, cancellationToken: cancellationToken));
            var wanted = chunk.ToHashSet();
            foreach (var r in rows)
            {
                // The _bin collations ignore trailing spaces: keep exact matches only.
                var key = new ConfigKey(r.Tenant, r.GroupId, r.DataId);
                if (wanted.Contains(key))
                {
                    result[key] = new ConfigRow(key, r.Content ?? "",
                        new ConfigAttributes(r.Type, r.AppName, r.Description, ConfigAttributes.NormalizeTags(r.Tags), r.EncryptedDataKey));
                }
            }
        }

        return result;
    }

    /// <summary>The database's current time (what Nacos writes as <c>gmt_modified</c>).</summary>
    public async Task<DateTime> NowAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<DateTime>(new CommandDefinition("SELECT NOW()", cancellationToken: cancellationToken));
    }

    private sealed class DigestRow
    {
        public string GroupId { get; set; } = "";

        public string DataId { get; set; } = "";

        public string Md5 { get; set; } = "";

        public string Type { get; set; } = "";

        public string AppName { get; set; } = "";

        public string Description { get; set; } = "";

        public string EncryptedDataKey { get; set; } = "";

        public string? Tags { get; set; }
    }

    private sealed class FullRow
    {
        public string Tenant { get; set; } = "";

        public string GroupId { get; set; } = "";

        public string DataId { get; set; } = "";

        public string? Content { get; set; }

        public string Type { get; set; } = "";

        public string AppName { get; set; } = "";

        public string Description { get; set; } = "";

        public string EncryptedDataKey { get; set; } = "";

        public string? Tags { get; set; }
    }
}
