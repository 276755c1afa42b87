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
    /// <summary>Rows per digest page. Default 5,000 (a page is a server-side sort of the key columns, so fewer pages cost less).</summary>
    public int PageSize { get; init; } = 5_000;

    /// <summary>Digest pages read at once ahead of the caller. Default 2 (the server hashes every row's content; one read at a time used one core).</summary>
    public int PagesInFlight { get; init; } = 2;

    /// <summary>Where the digests take their md5 from: <see cref="ConfigDigestMd5.Content"/> (default) or the stored column.</summary>
    public ConfigDigestMd5 Md5 { get; init; } = ConfigDigestMd5.Content;

    public SqlDatabase Database => database;

    public ConfigSchema Schema => schema;

    private string EncryptedKeyColumn => schema.EncryptedDataKey == EncryptedDataKeyColumn.None ? "''" : "IFNULL(c.encrypted_data_key, '')";

    private string Md5Column => Md5 == ConfigDigestMd5.StoredColumn ? "IF(c.md5 IS NULL OR c.md5 = '', MD5(c.content), c.md5)" : "MD5(c.content)";

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
    /// Streams the digests of one tenant in the order of <see cref="ConfigKeyComparer"/> (dataId, then
    /// group, as the table's unique index orders them). <paramref name="group"/> restricts to one group;
    /// <paramref name="excludedGroups"/> leaves groups out; <paramref name="keep"/> filters in memory.
    /// </summary>
    public IAsyncEnumerable<ConfigDigest> ReadDigestsAsync(string tenant, string? group, IReadOnlyList<string> excludedGroups, Func<string, string, bool> keep,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keep);
        return StreamAsync([tenant], group, excludedGroups, k => keep(k.Group, k.DataId), cancellationToken);
    }

    /// <summary>
    /// Streams the digests of every listed tenant in one walk of the unique index <c>(data_id, group_id, tenant_id)</c>,
    /// in its order (<see cref="ConfigKeyComparer"/>): a full diff of many namespaces reads the index once, not once per
    /// namespace. <paramref name="keep"/> filters in memory. The md5 is the server's <c>MD5(content)</c> or the stored
    /// column (<see cref="Md5"/>); every digest also carries the server's <c>CRC32(content)</c>, so a row edited by hand
    /// under a stale md5 column still shows as drift either way.
    /// </summary>
    public IAsyncEnumerable<ConfigDigest> ReadDigestsAsync(IReadOnlyCollection<string> tenants, Func<ConfigKey, bool> keep, CancellationToken cancellationToken) =>
        StreamAsync(tenants, null, [], keep, cancellationToken);

    private async IAsyncEnumerable<ConfigDigest> StreamAsync(
        IReadOnlyCollection<string> tenants,
        string? group,
        IReadOnlyList<string> excludedGroups,
        Func<ConfigKey, bool> keep,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        ArgumentNullException.ThrowIfNull(excludedGroups);
        ArgumentNullException.ThrowIfNull(keep);
        if (tenants.Count == 0)
        {
            yield break;
        }

        // Pages walk the unique index (data_id, group_id, tenant_id) in its own order, which
        // ConfigKeyComparer reproduces: no sort, and each page starts where the last one ended.
        // The content hashes and the tags are computed for the page's rows only.
        var filter = new StringBuilder("IFNULL(c.tenant_id, '') IN @tenants AND c.group_id IS NOT NULL");
        if (group is not null)
        {
            filter.Append(" AND c.group_id = @group");
        }

        if (excludedGroups.Count > 0)
        {
            filter.Append(" AND c.group_id NOT IN @excludedGroups");
        }

        const string Order = " ORDER BY c.data_id, c.group_id, c.tenant_id";
        const string After = " AND c.data_id >= @lastDataId AND (c.data_id > @lastDataId OR c.group_id > @lastGroup"
            + " OR (c.group_id = @lastGroup AND IFNULL(c.tenant_id, '') > @lastTenant))";
        const string UpTo = " AND c.data_id <= @endDataId AND (c.data_id < @endDataId OR c.group_id < @endGroup"
            + " OR (c.group_id = @endGroup AND IFNULL(c.tenant_id, '') <= @endTenant))";
        // The derived table's LIMIT keeps the optimizer from merging it (a bounded page passes the largest one): the
        // key range is then read from the covering index alone, and only its rows are hashed.
        string Page(string where) => $"""
            SELECT IFNULL(c.tenant_id, '') AS Tenant, c.group_id AS GroupId, c.data_id AS DataId, {Md5Column} AS Md5, CRC32(c.content) AS Crc, IFNULL(c.type, '') AS Type,
              IFNULL(c.app_name, '') AS AppName, IFNULL(c.c_desc, '') AS Description, {EncryptedKeyColumn} AS EncryptedDataKey,
              {TagsColumn} AS Tags
            FROM config_info c
            JOIN (SELECT c.id FROM config_info c WHERE {where}{Order} LIMIT @limit) k ON k.id = c.id
            {Order}
            """;
        string Boundary(string where) => $"SELECT IFNULL(c.tenant_id, '') AS Tenant, c.group_id AS GroupId, c.data_id AS DataId FROM config_info c WHERE {where}{Order} LIMIT 1 OFFSET @offset";
        var f = filter.ToString();
        string[] pages = [Page(f), Page(f + After), Page(f + UpTo), Page(f + After + UpTo)];
        string[] boundaries = [Boundary(f), Boundary(f + After)];
        object Parameters(PageKey? after, PageKey? upTo) => new
        {
            tenants, group, excludedGroups, lastTenant = after?.Tenant, lastGroup = after?.GroupId, lastDataId = after?.DataId,
            endTenant = upTo?.Tenant, endGroup = upTo?.GroupId, endDataId = upTo?.DataId, limit = upTo is null ? PageSize : long.MaxValue, offset = PageSize - 1,
        };

        // The last key of the page that starts after `after`, read from the covering index alone (no row is
        // touched); null when fewer than a page of rows are left.
        async Task<PageKey?> ReadBoundaryAsync(PageKey? after)
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            return await connection.QuerySingleOrDefaultAsync<PageKey>(new CommandDefinition(boundaries[after is null ? 0 : 1], Parameters(after, null),
                cancellationToken: cancellationToken));
        }

        // The rows after `after` up to `upTo` (inclusive), or a page of them when the walk has no boundary ahead.
        async Task<List<DigestRow>> ReadPageAsync(PageKey? after, PageKey? upTo)
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition("SET SESSION group_concat_max_len = 1048576", cancellationToken: cancellationToken));
            var sql = pages[(after is null ? 0 : 1) + (upTo is null ? 0 : 2)];
            return [.. await connection.QueryAsync<DigestRow>(new CommandDefinition(sql, Parameters(after, upTo), cancellationToken: cancellationToken))];
        }

        // Pages are bounded by keys found ahead of them, so PagesInFlight of them are read at once while the caller
        // consumes the current one, and yielded in key order: hashing every row's content is the server's work, and
        // one page at a time left it on one core while the other waited.
        var inFlight = new Queue<(Task<List<DigestRow>> Rows, bool Bounded)>();
        var next = (PageKey?)null;
        var more = true;
        try
        {
            while (true)
            {
                while (more && inFlight.Count < Math.Max(1, PagesInFlight))
                {
                    var upTo = await ReadBoundaryAsync(next);
                    inFlight.Enqueue((ReadPageAsync(next, upTo), upTo is not null));
                    (next, more) = (upTo, upTo is not null);
                }

                if (inFlight.Count == 0)
                {
                    yield break;
                }

                var (pending, bounded) = inFlight.Dequeue();
                var page = await pending;
                if (!bounded && page.Count >= PageSize)
                {
                    // Rows were added behind the last boundary since it was read: walk on from the page's last key.
                    (next, more) = (new PageKey { Tenant = page[^1].Tenant, GroupId = page[^1].GroupId, DataId = page[^1].DataId }, true);
                }

                foreach (var row in page)
                {
                    var key = new ConfigKey(row.Tenant, row.GroupId, row.DataId);
                    if (keep(key))
                    {
                        yield return new ConfigDigest(key, row.Md5,
                            new ConfigAttributes(row.Type, row.AppName, row.Description, ConfigAttributes.NormalizeTags(row.Tags), row.EncryptedDataKey), row.Crc);
                    }
                }
            }
        }
        finally
        {
            // The caller stopped early: let the reads ahead finish (or fail) quietly.
            while (inFlight.TryDequeue(out var ahead))
            {
                try
                {
                    await ahead.Rows;
                }
                catch (Exception ex) when (ex is System.Data.Common.DbException or OperationCanceledException)
                {
                    // Nothing to report: its rows were never asked for.
                }
            }
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

    private sealed class PageKey
    {
        public string Tenant { get; set; } = "";

        public string GroupId { get; set; } = "";

        public string DataId { get; set; } = "";
    }

    private sealed class DigestRow
    {
        public string Tenant { get; set; } = "";

        public string GroupId { get; set; } = "";

        public string DataId { get; set; } = "";

        public string Md5 { get; set; } = "";

        public long Crc { get; set; }

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
