using Dapper;
using NacosSync.Core.Config;
using NacosSync.Storage.Database;

namespace NacosSync.Storage.Config;

/// <summary>The non-formal config tables.</summary>
public enum ConfigVariantKind
{
    /// <summary><c>config_info_beta</c>: one per key, served to <c>beta_ips</c>.</summary>
    Beta,

    /// <summary><c>config_info_tag</c>: one per key and <c>tag_id</c>.</summary>
    Tag,

    /// <summary><c>config_info_gray</c> (2.5+): one per key and <c>gray_name</c>, served by <c>gray_rule</c>.</summary>
    Gray,
}

/// <summary>
/// One beta, tag or gray row. <see cref="Name"/> is the tag id or gray name (empty for beta);
/// <see cref="Rule"/> is <c>beta_ips</c> or <c>gray_rule</c> (empty for tag).
/// </summary>
public sealed record ConfigVariant(ConfigVariantKind Kind, ConfigKey Key, string Name, string Content, string AppName, string Rule, string EncryptedDataKey)
{
    public string Md5 => ConfigMd5.Of(Content);

    public (ConfigKey, string) Identity => (Key, Name);

    /// <summary>Same content and attributes (the key is not compared).</summary>
    public bool SameAs(ConfigVariant other) =>
        other is not null && Content == other.Content && AppName == other.AppName && Rule == other.Rule && EncryptedDataKey == other.EncryptedDataKey;
}

/// <summary>
/// Reads and writes beta, tag and gray rows. These tables are small (a handful of rows per
/// gray release), so a kind is read whole. Writes set <c>md5</c> and <c>gmt_modified = NOW()</c>
/// like Nacos; they leave no history, as Nacos before 2.5 does for beta and tag.
/// </summary>
public sealed class ConfigVariantStore(SqlDatabase database, ConfigSchema schema)
{
    /// <summary>The kinds this schema has tables for.</summary>
    public IReadOnlyList<ConfigVariantKind> Kinds =>
        [.. (schema.HasBetaAndTag ? new[] { ConfigVariantKind.Beta, ConfigVariantKind.Tag } : []), .. (schema.HasGray ? new[] { ConfigVariantKind.Gray } : [])];

    private string BetaKey => schema.BetaHasEncryptedDataKey ? "IFNULL(encrypted_data_key, '')" : "''";

    public async Task<IReadOnlyList<ConfigVariant>> ReadAllAsync(ConfigVariantKind kind, CancellationToken cancellationToken)
    {
        var sql = kind switch
        {
            ConfigVariantKind.Beta => $"SELECT IFNULL(tenant_id, '') AS Tenant, group_id AS GroupId, data_id AS DataId, '' AS Name, content AS Content, IFNULL(app_name, '') AS AppName, IFNULL(beta_ips, '') AS Rule, {BetaKey} AS EncryptedDataKey FROM config_info_beta",
            ConfigVariantKind.Tag => "SELECT IFNULL(tenant_id, '') AS Tenant, group_id AS GroupId, data_id AS DataId, tag_id AS Name, content AS Content, IFNULL(app_name, '') AS AppName, '' AS Rule, '' AS EncryptedDataKey FROM config_info_tag",
            _ => "SELECT IFNULL(tenant_id, '') AS Tenant, group_id AS GroupId, data_id AS DataId, gray_name AS Name, content AS Content, IFNULL(app_name, '') AS AppName, IFNULL(gray_rule, '') AS Rule, IFNULL(encrypted_data_key, '') AS EncryptedDataKey FROM config_info_gray",
        };
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(sql, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new ConfigVariant(kind, new ConfigKey(r.Tenant, r.GroupId, r.DataId), r.Name, r.Content ?? "", r.AppName, r.Rule, r.EncryptedDataKey))];
    }

    public async Task<ConfigWriteResult> UpsertAsync(ConfigVariant variant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(variant);
        var sql = variant.Kind switch
        {
            ConfigVariantKind.Beta => $"""
                INSERT INTO config_info_beta (data_id, group_id, tenant_id, app_name, content, beta_ips, md5, gmt_create, gmt_modified, src_user{(schema.BetaHasEncryptedDataKey ? ", encrypted_data_key" : "")})
                VALUES (@DataId, @Group, @Tenant, @AppName, @Content, @Rule, @Md5, NOW(), NOW(), 'nacos-sync'{(schema.BetaHasEncryptedDataKey ? ", @EncryptedDataKey" : "")})
                ON DUPLICATE KEY UPDATE app_name = VALUES(app_name), content = VALUES(content), beta_ips = VALUES(beta_ips), md5 = VALUES(md5),
                  gmt_modified = NOW(), src_user = VALUES(src_user){(schema.BetaHasEncryptedDataKey ? ", encrypted_data_key = VALUES(encrypted_data_key)" : "")}
                """,
            ConfigVariantKind.Tag => """
                INSERT INTO config_info_tag (data_id, group_id, tenant_id, tag_id, app_name, content, md5, gmt_create, gmt_modified, src_user)
                VALUES (@DataId, @Group, @Tenant, @Name, @AppName, @Content, @Md5, NOW(), NOW(), 'nacos-sync')
                ON DUPLICATE KEY UPDATE app_name = VALUES(app_name), content = VALUES(content), md5 = VALUES(md5), gmt_modified = NOW(), src_user = VALUES(src_user)
                """,
            _ => """
                INSERT INTO config_info_gray (data_id, group_id, tenant_id, gray_name, gray_rule, app_name, content, md5, encrypted_data_key, gmt_create, gmt_modified, src_user)
                VALUES (@DataId, @Group, @Tenant, @Name, @Rule, @AppName, @Content, @Md5, @EncryptedDataKey, NOW(3), NOW(3), 'nacos-sync')
                ON DUPLICATE KEY UPDATE gray_rule = VALUES(gray_rule), app_name = VALUES(app_name), content = VALUES(content), md5 = VALUES(md5),
                  encrypted_data_key = VALUES(encrypted_data_key), gmt_modified = NOW(3), src_user = VALUES(src_user)
                """,
        };
        if (variant.EncryptedDataKey.Length > 0 && variant.Kind == ConfigVariantKind.Beta && !schema.BetaHasEncryptedDataKey)
        {
            return new ConfigWriteResult(variant.Key, ConfigWriteOutcome.NotStorable, "the target's config_info_beta has no encrypted_data_key column");
        }

        return await ExecuteAsync(variant.Key, sql, new
        {
            variant.Key.DataId, variant.Key.Group, variant.Key.Tenant, variant.Name, variant.AppName, variant.Content, variant.Rule, variant.Md5, variant.EncryptedDataKey,
        }, ConfigWriteOutcome.Updated, cancellationToken);
    }

    public Task<ConfigWriteResult> DeleteAsync(ConfigVariant variant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(variant);
        var sql = variant.Kind switch
        {
            ConfigVariantKind.Beta => "DELETE FROM config_info_beta WHERE data_id = @DataId AND group_id = @Group AND tenant_id = @Tenant",
            ConfigVariantKind.Tag => "DELETE FROM config_info_tag WHERE data_id = @DataId AND group_id = @Group AND tenant_id = @Tenant AND tag_id = @Name",
            _ => "DELETE FROM config_info_gray WHERE data_id = @DataId AND group_id = @Group AND tenant_id = @Tenant AND gray_name = @Name",
        };
        return ExecuteAsync(variant.Key, sql, new { variant.Key.DataId, variant.Key.Group, variant.Key.Tenant, variant.Name }, ConfigWriteOutcome.Deleted, cancellationToken);
    }

    private async Task<ConfigWriteResult> ExecuteAsync(ConfigKey key, string sql, object parameters, ConfigWriteOutcome outcome, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            var affected = await connection.ExecuteAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
            return new ConfigWriteResult(key, affected == 0 && outcome == ConfigWriteOutcome.Deleted ? ConfigWriteOutcome.Absent : outcome);
        }
        catch (System.Data.Common.DbException ex) when (SqlDatabase.Classify(ex) is not (DbErrorKind.Unreachable or DbErrorKind.AccessDenied))
        {
            return new ConfigWriteResult(key, SqlDatabase.Classify(ex) == DbErrorKind.ValueNotStorable ? ConfigWriteOutcome.NotStorable : ConfigWriteOutcome.Failed, ex.Message);
        }
    }

    private sealed class Row
    {
        public string Tenant { get; set; } = "";

        public string GroupId { get; set; } = "";

        public string DataId { get; set; } = "";

        public string Name { get; set; } = "";

        public string? Content { get; set; }

        public string AppName { get; set; } = "";

        public string Rule { get; set; } = "";

        public string EncryptedDataKey { get; set; } = "";
    }
}
