using Dapper;
using NacosSync.Storage.Database;

namespace NacosSync.Sandbox.Config;

/// <summary>What <c>findConfigAllInfo</c> adds to a config_info row for the v3 admin get (ConfigDetailInfo).</summary>
internal sealed class ConfigDetailRow
{
    public DateTime GmtCreate { get; set; }

    public string? Description { get; set; }

    public string? SrcUser { get; set; }

    public string? SrcIp { get; set; }

    public string? Tags { get; set; }
}

/// <summary>Reads the fields of a config row that only the admin detail answer shows, straight from the DB.</summary>
internal static class ConfigDetailQuery
{
    public static async Task<ConfigDetailRow?> LoadAsync(SqlDatabase database, long id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<ConfigDetailRow>(new CommandDefinition(
            """
            SELECT c.gmt_create AS GmtCreate, c.c_desc AS Description, c.src_user AS SrcUser, c.src_ip AS SrcIp,
                   (SELECT GROUP_CONCAT(t.tag_name ORDER BY t.nid SEPARATOR ',') FROM config_tags_relation t WHERE t.id = c.id) AS Tags
            FROM config_info c WHERE c.id = @id
            """, new { id }, cancellationToken: ct));
    }
}
