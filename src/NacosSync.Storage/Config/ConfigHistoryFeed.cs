using Dapper;
using NacosSync.Core.Config;
using NacosSync.Storage.Database;

namespace NacosSync.Storage.Config;

/// <summary>One change recorded in <c>his_config_info</c>.</summary>
public sealed record ConfigHistoryEntry(long Nid, ConfigKey Key, string Operation, DateTime ModifiedAt);

/// <summary>
/// Reads <c>his_config_info</c> as a change feed: rows after a nid, plus an overlap window of rows
/// modified since a time (an AUTO_INCREMENT nid can become visible out of commit order).
/// </summary>
public sealed class ConfigHistoryFeed(SqlDatabase database)
{
    /// <summary>The oldest nid and time still in the table; null when it is empty.</summary>
    public async Task<(long Nid, DateTime ModifiedAt)?> OldestAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QueryFirstOrDefaultAsync<(long Nid, DateTime ModifiedAt)?>(new CommandDefinition(
            "SELECT nid, gmt_modified FROM his_config_info ORDER BY nid LIMIT 1", cancellationToken: cancellationToken));
        return row;
    }

    /// <summary>The newest nid, or 0 when the table is empty.</summary>
    public async Task<long> LatestNidAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT MAX(nid) FROM his_config_info", cancellationToken: cancellationToken)) ?? 0;
    }

    /// <summary>The newest nid (0 when the table is empty) and its <c>gmt_modified</c>, in the clock that wrote the history.</summary>
    public async Task<(long Nid, DateTime? ModifiedAt)> LatestAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QueryFirstOrDefaultAsync<(long Nid, DateTime ModifiedAt)?>(new CommandDefinition(
            "SELECT nid, gmt_modified FROM his_config_info ORDER BY nid DESC LIMIT 1", cancellationToken: cancellationToken));
        return row is { } r ? (r.Nid, r.ModifiedAt) : (0, null);
    }

    /// <summary>The database's <c>NOW()</c> (its session time zone: what Nacos 2.4+ writes as <c>gmt_modified</c>) and <c>UTC_TIMESTAMP()</c>, read together.</summary>
    public async Task<(DateTime Now, DateTime UtcNow)> ClockAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleAsync<(DateTime Now, DateTime UtcNow)>(new CommandDefinition(
            "SELECT NOW(), UTC_TIMESTAMP()", cancellationToken: cancellationToken));
    }

    /// <summary>Rows with <c>nid &gt; afterNid</c>, in nid order, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<ConfigHistoryEntry>> ReadAfterAsync(long afterNid, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            """
            SELECT nid AS Nid, IFNULL(tenant_id, '') AS Tenant, group_id AS GroupId, data_id AS DataId, IFNULL(op_type, '') AS Op, gmt_modified AS ModifiedAt
            FROM his_config_info WHERE nid > @afterNid ORDER BY nid LIMIT @limit
            """, new { afterNid, limit }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToEntry())];
    }

    /// <summary>Rows at or below <paramref name="upToNid"/> modified at or after <paramref name="since"/>: the overlap window.</summary>
    public async Task<IReadOnlyList<ConfigHistoryEntry>> ReadOverlapAsync(long upToNid, DateTime since, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            """
            SELECT nid AS Nid, IFNULL(tenant_id, '') AS Tenant, group_id AS GroupId, data_id AS DataId, IFNULL(op_type, '') AS Op, gmt_modified AS ModifiedAt
            FROM his_config_info WHERE gmt_modified >= @since AND nid <= @upToNid ORDER BY nid
            """, new { upToNid, since }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToEntry())];
    }

    private sealed class Row
    {
        public long Nid { get; set; }

        public string Tenant { get; set; } = "";

        public string GroupId { get; set; } = "";

        public string DataId { get; set; } = "";

        public string Op { get; set; } = "";

        public DateTime ModifiedAt { get; set; }

        public ConfigHistoryEntry ToEntry() => new(Nid, new ConfigKey(Tenant, GroupId, DataId), Op.Trim(), ModifiedAt);
    }
}
