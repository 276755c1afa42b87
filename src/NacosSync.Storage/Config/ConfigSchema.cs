using Dapper;
using NacosSync.Storage.Database;

namespace NacosSync.Storage.Config;

/// <summary>How a Nacos schema stores <c>encrypted_data_key</c> on <c>config_info</c>.</summary>
public enum EncryptedDataKeyColumn
{
    /// <summary>1.4 / 2.0: no column.</summary>
    None,

    /// <summary>2.1–2.3: TEXT NOT NULL without a default; inserts must supply it.</summary>
    Required,

    /// <summary>2.4+: VARCHAR(1024) NOT NULL DEFAULT ''.</summary>
    WithDefault,
}

/// <summary>
/// A Nacos database's config schema, detected from its tables and columns (never from a version
/// string: the database is what the writes must fit).
/// </summary>
public sealed record ConfigSchema(
    bool HasConfigInfo,
    bool HasHistory,
    bool HasTagsRelation,
    bool HasTenantInfo,
    EncryptedDataKeyColumn EncryptedDataKey,
    bool HistoryHasEncryptedDataKey,
    bool HasBetaAndTag,
    bool HasGray,
    bool BetaHasEncryptedDataKey = false)
{
    /// <summary>The Nacos lines this schema fits, for logs and errors.</summary>
    public string Line => (EncryptedDataKey, HasBetaAndTag, HasGray) switch
    {
        (EncryptedDataKeyColumn.None, _, _) => "1.4-2.0",
        (EncryptedDataKeyColumn.Required, _, _) => "2.1-2.3",
        (_, true, false) => "2.4-2.5.0",
        (_, true, true) => "2.5.0",
        (_, false, true) => "2.5.1+/3.0",
        _ => "unknown",
    };

    /// <summary>Reads the schema of the database the connection string names.</summary>
    public static async Task<ConfigSchema> DetectAsync(SqlDatabase database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var connection = await database.OpenAsync(cancellationToken);
        var columns = (await connection.QueryAsync<(string Table, string Column, string? Default, string Nullable)>(new CommandDefinition(
            """
            SELECT TABLE_NAME, COLUMN_NAME, COLUMN_DEFAULT, IS_NULLABLE FROM information_schema.COLUMNS
            WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN
              ('config_info', 'his_config_info', 'config_tags_relation', 'tenant_info', 'config_info_beta', 'config_info_tag', 'config_info_gray')
            """, cancellationToken: cancellationToken))).ToList();
        bool Has(string table) => columns.Any(c => string.Equals(c.Table, table, StringComparison.OrdinalIgnoreCase));
        var key = columns.FirstOrDefault(c => string.Equals(c.Table, "config_info", StringComparison.OrdinalIgnoreCase)
            && string.Equals(c.Column, "encrypted_data_key", StringComparison.OrdinalIgnoreCase));
        var keyColumn = key.Column is null ? EncryptedDataKeyColumn.None
            : key.Default is null && key.Nullable == "NO" ? EncryptedDataKeyColumn.Required : EncryptedDataKeyColumn.WithDefault;
        var historyKey = columns.Any(c => string.Equals(c.Table, "his_config_info", StringComparison.OrdinalIgnoreCase)
            && string.Equals(c.Column, "encrypted_data_key", StringComparison.OrdinalIgnoreCase));
        var betaKey = columns.Any(c => string.Equals(c.Table, "config_info_beta", StringComparison.OrdinalIgnoreCase)
            && string.Equals(c.Column, "encrypted_data_key", StringComparison.OrdinalIgnoreCase));
        return new ConfigSchema(Has("config_info"), Has("his_config_info"), Has("config_tags_relation"), Has("tenant_info"),
            keyColumn, historyKey, Has("config_info_beta") && Has("config_info_tag"), Has("config_info_gray"), betaKey);
    }

    /// <summary>
    /// Why config sync from <paramref name="source"/> into <paramref name="target"/> cannot run, or an
    /// empty list. Missing <c>config_info</c> / <c>his_config_info</c> on either side is unsupported;
    /// a target without <c>encrypted_data_key</c> is accepted, but rows that carry one are reported by key.
    /// </summary>
    public static IReadOnlyList<string> Unsupported(ConfigSchema source, ConfigSchema target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var problems = new List<string>();
        foreach (var (side, schema) in new[] { ("source", source), ("target", target) })
        {
            if (!schema.HasConfigInfo)
            {
                problems.Add($"the {side} database has no config_info table: not a Nacos config database");
            }

            if (!schema.HasHistory)
            {
                problems.Add($"the {side} database has no his_config_info table: incremental sync and delete propagation need it");
            }
        }

        return problems;
    }
}
