using Dapper;
using NacosSync.Storage.Database;

namespace NacosSync.Storage.Config;

/// <summary>A custom namespace (<c>tenant_info</c> row with <c>kp='1'</c>).</summary>
public sealed record NacosNamespace(string Id, string Name, string Description);

/// <summary>Reads and creates namespaces in <c>tenant_info</c>, the way the console does (times in epoch ms).</summary>
public sealed class NamespaceStore(SqlDatabase database)
{
    public async Task<IReadOnlyList<NacosNamespace>> ReadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Id, string? Name, string? Description)>(new CommandDefinition(
            "SELECT IFNULL(tenant_id, ''), tenant_name, tenant_desc FROM tenant_info WHERE kp = '1' ORDER BY tenant_id", cancellationToken: cancellationToken));
        return [.. rows.Select(r => new NacosNamespace(r.Id, r.Name ?? r.Id, r.Description ?? ""))];
    }

    /// <summary>Creates the namespace when missing; an existing one is left as it is. Returns true when created.</summary>
    public async Task<bool> EnsureAsync(NacosNamespace ns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ns);
        await using var connection = await database.OpenAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT IGNORE INTO tenant_info (kp, tenant_id, tenant_name, tenant_desc, create_source, gmt_create, gmt_modified)
            VALUES ('1', @Id, @Name, @Description, 'nacos', ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000), ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000))
            """, ns, cancellationToken: cancellationToken));
        return inserted > 0;
    }
}
