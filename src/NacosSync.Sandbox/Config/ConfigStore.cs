using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using NacosSync.Storage.Database;

namespace NacosSync.Sandbox.Config;

/// <summary>A config_info row as the sandbox reads it.</summary>
internal sealed class ConfigRow
{
    public long Id { get; set; }

    public string DataId { get; set; } = "";

    public string GroupId { get; set; } = "";

    public string TenantId { get; set; } = "";

    public string Content { get; set; } = "";

    public string? Md5 { get; set; }

    public DateTime GmtModified { get; set; }

    public string? AppName { get; set; }

    public string? Type { get; set; }

    public string? EncryptedDataKey { get; set; }

    public ConfigKey Key => new(DataId, GroupId ?? "", TenantId ?? "");

    public CachedConfig ToCached() => new(Content, Md5 ?? ConfigStore.Md5Of(Content), GmtModified, string.IsNullOrEmpty(Type) ? "text" : Type, EncryptedDataKey ?? "");
}

/// <summary>A his_config_info row.</summary>
internal sealed class HistoryRow
{
    public long Id { get; set; }

    public long Nid { get; set; }

    public string DataId { get; set; } = "";

    public string GroupId { get; set; } = "";

    public string? TenantId { get; set; }

    public string? AppName { get; set; }

    public string? Content { get; set; }

    public string? Md5 { get; set; }

    public string? SrcIp { get; set; }

    public string? SrcUser { get; set; }

    public string? OpType { get; set; }

    public DateTime GmtCreate { get; set; }

    public DateTime GmtModified { get; set; }
}

/// <summary>What a publish carries.</summary>
internal sealed record PublishRequest(
    ConfigKey Key,
    string Content,
    string Type,
    string? AppName,
    string? Description,
    string? Tags,
    string EncryptedDataKey,
    string? SrcIp,
    string? SrcUser,
    string? CasMd5);

/// <summary>A tenant_info row (custom namespace).</summary>
internal sealed record NamespaceRow(string TenantId, string TenantName, string? TenantDesc);

/// <summary>
/// The config tables of one Nacos database, written the way Nacos writes them: md5 of UTF-8
/// content in lowercase hex, gmt_modified = the DB's NOW(), one his_config_info row per change
/// in the same transaction (I with id 0 and the new content, U with the old content, D with the
/// deleted content).
/// </summary>
internal sealed class ConfigStore
{
    private const string Columns = "id AS Id, data_id AS DataId, group_id AS GroupId, tenant_id AS TenantId, content AS Content, md5 AS Md5, gmt_modified AS GmtModified, app_name AS AppName, type AS Type";

    private readonly SqlDatabase _database;
    private readonly NacosProfileTraits _traits;

    public ConfigStore(SqlDatabase database, NacosProfileTraits traits)
    {
        _database = database;
        _traits = traits;
    }

    private string SelectColumns => _traits.EncryptedDataKey == EncryptedDataKeyColumn.None
        ? Columns
        : Columns + ", encrypted_data_key AS EncryptedDataKey";

#pragma warning disable CA5351 // MD5 is the Nacos protocol's content digest, not a security measure.
    public static string Md5Of(string content) =>
        Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(content)));
#pragma warning restore CA5351

    public async Task<DateTime> NowAsync(CancellationToken ct)
    {
        await using var connection = await _database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<DateTime>(new CommandDefinition("SELECT NOW(3)", cancellationToken: ct));
    }

    public async Task<IReadOnlyList<ConfigRow>> LoadAllAsync(CancellationToken ct)
    {
        await using var connection = await _database.OpenAsync(ct);
        var rows = await connection.QueryAsync<ConfigRow>(new CommandDefinition($"SELECT {SelectColumns} FROM config_info", cancellationToken: ct));
        return rows.AsList();
    }

    public async Task<ConfigRow?> LoadAsync(ConfigKey key, CancellationToken ct)
    {
        await using var connection = await _database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<ConfigRow>(new CommandDefinition(
            $"SELECT {SelectColumns} FROM config_info WHERE data_id = @DataId AND group_id = @Group AND tenant_id = @Tenant",
            new { key.DataId, key.Group, key.Tenant }, cancellationToken: ct));
    }

    /// <summary>Rows changed at or after <paramref name="since"/> (DumpChangeConfigWorker's query).</summary>
    public async Task<IReadOnlyList<ConfigRow>> ChangedSinceAsync(DateTime since, CancellationToken ct)
    {
        await using var connection = await _database.OpenAsync(ct);
        var rows = await connection.QueryAsync<ConfigRow>(new CommandDefinition(
            $"SELECT {SelectColumns} FROM config_info WHERE gmt_modified >= @since", new { since }, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>Keys with a 'D' history row at or after <paramref name="since"/>.</summary>
    public async Task<IReadOnlyList<ConfigKey>> DeletedSinceAsync(DateTime since, CancellationToken ct)
    {
        await using var connection = await _database.OpenAsync(ct);
        var rows = await connection.QueryAsync<(string DataId, string GroupId, string? TenantId)>(new CommandDefinition(
            "SELECT data_id, group_id, tenant_id FROM his_config_info WHERE op_type = 'D' AND gmt_modified >= @since",
            new { since }, cancellationToken: ct));
        return rows.Select(r => new ConfigKey(r.DataId, r.GroupId, r.TenantId ?? "")).ToList();
    }

    /// <summary>Inserts or updates a config with its history row. False on a casMd5 mismatch.</summary>
    public async Task<bool> PublishAsync(PublishRequest request, CancellationToken ct)
    {
        await using var connection = await _database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        var existing = await connection.QuerySingleOrDefaultAsync<ConfigRow>(new CommandDefinition(
            $"SELECT {SelectColumns} FROM config_info WHERE data_id = @DataId AND group_id = @Group AND tenant_id = @Tenant FOR UPDATE",
            new { request.Key.DataId, request.Key.Group, request.Key.Tenant }, transaction, cancellationToken: ct));

        if (request.CasMd5 is not null && (existing is null || !string.Equals(existing.Md5, request.CasMd5, StringComparison.Ordinal)))
        {
            await transaction.RollbackAsync(ct);
            return false;
        }

        var md5 = Md5Of(request.Content);
        var hasKey = _traits.EncryptedDataKey != EncryptedDataKeyColumn.None;
        var keyColumn = hasKey ? ", encrypted_data_key" : "";
        var keyValue = hasKey ? ", @EncryptedDataKey" : "";
        var parameters = new
        {
            request.Key.DataId,
            request.Key.Group,
            request.Key.Tenant,
            request.Content,
            Md5 = md5,
            request.SrcIp,
            request.SrcUser,
            AppName = request.AppName ?? "",
            request.Type,
            request.Description,
            request.EncryptedDataKey,
        };

        long id;
        if (existing is null)
        {
            id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                $"""
                INSERT INTO config_info (data_id, group_id, tenant_id, content, md5, gmt_create, gmt_modified, src_user, src_ip, app_name, c_desc, type{keyColumn})
                VALUES (@DataId, @Group, @Tenant, @Content, @Md5, NOW(), NOW(), @SrcUser, @SrcIp, @AppName, @Description, @Type{keyValue});
                SELECT LAST_INSERT_ID();
                """, parameters, transaction, cancellationToken: ct));
            await InsertHistoryAsync(connection, transaction, 0, request.Key, request.Content, md5, request.AppName, request.SrcIp, request.SrcUser, "I", request.EncryptedDataKey, ct);
        }
        else
        {
            id = existing.Id;
            await connection.ExecuteAsync(new CommandDefinition(
                $"""
                UPDATE config_info SET content = @Content, md5 = @Md5, gmt_modified = NOW(), src_user = @SrcUser, src_ip = @SrcIp,
                  app_name = @AppName, c_desc = COALESCE(@Description, c_desc), type = @Type{(hasKey ? ", encrypted_data_key = @EncryptedDataKey" : "")}
                WHERE id = @Id
                """, new { parameters.Content, parameters.Md5, parameters.SrcUser, parameters.SrcIp, parameters.AppName, parameters.Description, parameters.Type, parameters.EncryptedDataKey, existing.Id },
                transaction, cancellationToken: ct));
            await InsertHistoryAsync(connection, transaction, existing.Id, request.Key, existing.Content, existing.Md5, existing.AppName, request.SrcIp, request.SrcUser, "U", existing.EncryptedDataKey ?? "", ct);
        }

        if (request.Tags is not null)
        {
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM config_tags_relation WHERE id = @id", new { id }, transaction, cancellationToken: ct));
            foreach (var tag in request.Tags.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal))
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO config_tags_relation (id, tag_name, tag_type, data_id, group_id, tenant_id) VALUES (@id, @tag, '', @DataId, @Group, @Tenant)",
                    new { id, tag, request.Key.DataId, request.Key.Group, request.Key.Tenant }, transaction, cancellationToken: ct));
            }
        }

        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>Deletes a config and writes its 'D' history row. False when there was nothing to delete.</summary>
    public async Task<bool> DeleteAsync(ConfigKey key, string? srcIp, string? srcUser, CancellationToken ct)
    {
        await using var connection = await _database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        var existing = await connection.QuerySingleOrDefaultAsync<ConfigRow>(new CommandDefinition(
            $"SELECT {SelectColumns} FROM config_info WHERE data_id = @DataId AND group_id = @Group AND tenant_id = @Tenant FOR UPDATE",
            new { key.DataId, key.Group, key.Tenant }, transaction, cancellationToken: ct));
        if (existing is null)
        {
            await transaction.RollbackAsync(ct);
            return false;
        }

        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM config_info WHERE id = @Id", new { existing.Id }, transaction, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM config_tags_relation WHERE id = @Id", new { existing.Id }, transaction, cancellationToken: ct));
        await InsertHistoryAsync(connection, transaction, existing.Id, key, existing.Content, existing.Md5, existing.AppName, srcIp, srcUser, "D", existing.EncryptedDataKey ?? "", ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>Config search straight from the DB (no ORDER BY, as Nacos). Blur turns <c>*</c> into LIKE wildcards.</summary>
    public async Task<(int Total, IReadOnlyList<ConfigRow> Page)> SearchAsync(
        string? dataId, string? group, string tenant, string? appName, bool blur, int pageNo, int pageSize, CancellationToken ct)
    {
        var where = new StringBuilder("tenant_id = @tenant");
        var parameters = new DynamicParameters();
        parameters.Add("tenant", tenant);
        AddFilter(where, parameters, "data_id", "dataId", dataId, blur);
        AddFilter(where, parameters, "group_id", "group", group, blur);
        AddFilter(where, parameters, "app_name", "appName", appName, blur: false);
        parameters.Add("offset", Math.Max(0, (pageNo - 1) * pageSize));
        parameters.Add("limit", pageSize);

        await using var connection = await _database.OpenAsync(ct);
        var total = await connection.ExecuteScalarAsync<int>(new CommandDefinition($"SELECT COUNT(*) FROM config_info WHERE {where}", parameters, cancellationToken: ct));
        var rows = await connection.QueryAsync<ConfigRow>(new CommandDefinition(
            $"SELECT {SelectColumns} FROM config_info WHERE {where} LIMIT @offset, @limit", parameters, cancellationToken: ct));
        return (total, rows.AsList());
    }

    /// <summary>History rows of one key, newest first.</summary>
    public async Task<(int Total, IReadOnlyList<HistoryRow> Page)> HistoryAsync(ConfigKey key, int pageNo, int pageSize, CancellationToken ct)
    {
        await using var connection = await _database.OpenAsync(ct);
        var parameters = new { key.DataId, key.Group, key.Tenant, offset = Math.Max(0, (pageNo - 1) * pageSize), limit = pageSize };
        var total = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM his_config_info WHERE data_id = @DataId AND group_id = @Group AND tenant_id = @Tenant", parameters, cancellationToken: ct));
        var rows = await connection.QueryAsync<HistoryRow>(new CommandDefinition(
            """
            SELECT id AS Id, nid AS Nid, data_id AS DataId, group_id AS GroupId, tenant_id AS TenantId, app_name AS AppName, md5 AS Md5,
                   src_ip AS SrcIp, src_user AS SrcUser, op_type AS OpType, gmt_create AS GmtCreate, gmt_modified AS GmtModified
            FROM his_config_info WHERE data_id = @DataId AND group_id = @Group AND tenant_id = @Tenant
            ORDER BY nid DESC LIMIT @offset, @limit
            """, parameters, cancellationToken: ct));
        return (total, rows.AsList());
    }

    public async Task<HistoryRow?> HistoryDetailAsync(long nid, CancellationToken ct)
    {
        await using var connection = await _database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<HistoryRow>(new CommandDefinition(
            """
            SELECT id AS Id, nid AS Nid, data_id AS DataId, group_id AS GroupId, tenant_id AS TenantId, app_name AS AppName, content AS Content, md5 AS Md5,
                   src_ip AS SrcIp, src_user AS SrcUser, op_type AS OpType, gmt_create AS GmtCreate, gmt_modified AS GmtModified
            FROM his_config_info WHERE nid = @nid
            """, new { nid }, cancellationToken: ct));
    }

    /// <summary>Custom namespaces: tenant_info rows with kp = '1'.</summary>
    public async Task<IReadOnlyList<NamespaceRow>> NamespacesAsync(CancellationToken ct)
    {
        await using var connection = await _database.OpenAsync(ct);
        var rows = await connection.QueryAsync<NamespaceRow>(new CommandDefinition(
            "SELECT tenant_id AS TenantId, tenant_name AS TenantName, tenant_desc AS TenantDesc FROM tenant_info WHERE kp = '1' ORDER BY id",
            cancellationToken: ct));
        return rows.AsList();
    }

    public async Task<int> CountAsync(string tenant, CancellationToken ct)
    {
        await using var connection = await _database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT COUNT(*) FROM config_info WHERE tenant_id = @tenant", new { tenant }, cancellationToken: ct));
    }

    /// <summary>Creates a custom namespace (tenant_info row, times in epoch ms). False when it exists.</summary>
    public async Task<bool> CreateNamespaceAsync(string tenantId, string name, string? description, long nowMillis, CancellationToken ct)
    {
        await using var connection = await _database.OpenAsync(ct);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT IGNORE INTO tenant_info (kp, tenant_id, tenant_name, tenant_desc, create_source, gmt_create, gmt_modified)
            VALUES ('1', @tenantId, @name, @description, 'nacos', @nowMillis, @nowMillis)
            """, new { tenantId, name, description, nowMillis }, cancellationToken: ct));
        return inserted > 0;
    }

    public async Task<bool> DeleteNamespaceAsync(string tenantId, CancellationToken ct)
    {
        await using var connection = await _database.OpenAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM tenant_info WHERE kp = '1' AND tenant_id = @tenantId", new { tenantId }, cancellationToken: ct)) > 0;
    }

    private static void AddFilter(StringBuilder where, DynamicParameters parameters, string column, string name, string? value, bool blur)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }

        if (blur)
        {
            var pattern = value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal)
                .Replace("_", "\\_", StringComparison.Ordinal).Replace('*', '%');
            where.Append(CultureInfo.InvariantCulture, $" AND {column} LIKE @{name}");
            parameters.Add(name, pattern);
        }
        else
        {
            where.Append(CultureInfo.InvariantCulture, $" AND {column} = @{name}");
            parameters.Add(name, value);
        }
    }

    private async Task InsertHistoryAsync(
        DbConnection connection, DbTransaction transaction, long id, ConfigKey key, string content, string? md5, string? appName,
        string? srcIp, string? srcUser, string opType, string encryptedDataKey, CancellationToken ct)
    {
        var hasKey = _traits.EncryptedDataKey != EncryptedDataKeyColumn.None;
        await connection.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO his_config_info (id, data_id, group_id, tenant_id, app_name, content, md5, gmt_create, gmt_modified, src_user, src_ip, op_type{(hasKey ? ", encrypted_data_key" : "")})
            VALUES (@id, @DataId, @Group, @Tenant, @appName, @content, @md5, NOW(), NOW(), @srcUser, @srcIp, @opType{(hasKey ? ", @encryptedDataKey" : "")})
            """,
            new { id, key.DataId, key.Group, key.Tenant, appName = appName ?? "", content, md5, srcUser, srcIp, opType, encryptedDataKey },
            transaction, cancellationToken: ct));
    }
}
