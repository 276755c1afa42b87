using Dapper;
using NacosSync.Storage.Database;

namespace NacosSync.Sandbox;

/// <summary>
/// Creates the Nacos config tables of one version line (reference §4), written by hand from the
/// reference table. Idempotent: every statement is <c>CREATE TABLE IF NOT EXISTS</c>. Tables use
/// utf8mb4 / utf8mb4_bin (Nacos ships utf8 / utf8_bin).
/// </summary>
public static class NacosSchema
{
    private const string TableOptions = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

    /// <summary>Creates the tables of <paramref name="profile"/> in <paramref name="database"/> when missing.</summary>
    public static async Task CreateAsync(SqlDatabase database, NacosVersionProfile profile, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var connection = await database.OpenAsync(ct);
        foreach (var statement in Statements(profile))
        {
            await connection.ExecuteAsync(new CommandDefinition(statement, cancellationToken: ct));
        }
    }

    /// <summary>The CREATE TABLE statements for a profile, in order.</summary>
    internal static IReadOnlyList<string> Statements(NacosVersionProfile profile)
    {
        var traits = NacosProfileTraits.For(profile);
        var encryptedKey = traits.EncryptedDataKey switch
        {
            EncryptedDataKeyColumn.TextNotNull => ",\n  encrypted_data_key text NOT NULL",
            EncryptedDataKeyColumn.Varchar1024DefaultEmpty => ",\n  encrypted_data_key varchar(1024) NOT NULL DEFAULT ''",
            _ => "",
        };

        var statements = new List<string>
        {
            $"""
            CREATE TABLE IF NOT EXISTS config_info (
              id bigint(20) NOT NULL AUTO_INCREMENT,
              data_id varchar(255) NOT NULL,
              group_id varchar(128) DEFAULT NULL,
              content longtext NOT NULL,
              md5 varchar(32) DEFAULT NULL,
              gmt_create datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
              gmt_modified datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
              src_user text,
              src_ip varchar(50) DEFAULT NULL,
              app_name varchar(128) DEFAULT NULL,
              tenant_id varchar(128) DEFAULT '',
              c_desc varchar(256) DEFAULT NULL,
              c_use varchar(64) DEFAULT NULL,
              effect varchar(64) DEFAULT NULL,
              type varchar(64) DEFAULT NULL,
              c_schema text{encryptedKey},
              PRIMARY KEY (id),
              UNIQUE KEY uk_configinfo_datagrouptenant (data_id, group_id, tenant_id)
            ) {TableOptions}
            """,
            $"""
            CREATE TABLE IF NOT EXISTS config_tags_relation (
              id bigint(20) NOT NULL,
              tag_name varchar(128) NOT NULL,
              tag_type varchar(64) DEFAULT NULL,
              data_id varchar(255) NOT NULL,
              group_id varchar(128) NOT NULL,
              tenant_id varchar(128) DEFAULT '',
              nid bigint(20) NOT NULL AUTO_INCREMENT,
              PRIMARY KEY (nid),
              UNIQUE KEY uk_configtagrelation_configidtag (id, tag_name, tag_type),
              KEY idx_tenant_id (tenant_id)
            ) {TableOptions}
            """,
            $"""
            CREATE TABLE IF NOT EXISTS his_config_info (
              id bigint(20) unsigned NOT NULL,
              nid bigint(20) unsigned NOT NULL AUTO_INCREMENT,
              data_id varchar(255) NOT NULL,
              group_id varchar(128) NOT NULL,
              app_name varchar(128) DEFAULT NULL,
              content longtext NOT NULL,
              md5 varchar(32) DEFAULT NULL,
              gmt_create datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
              gmt_modified datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
              src_user text,
              src_ip varchar(50) DEFAULT NULL,
              op_type char(10) DEFAULT NULL,
              tenant_id varchar(128) DEFAULT ''{encryptedKey},
              PRIMARY KEY (nid),
              KEY idx_gmt_create (gmt_create),
              KEY idx_gmt_modified (gmt_modified),
              KEY idx_did (data_id)
            ) {TableOptions}
            """,
            $"""
            CREATE TABLE IF NOT EXISTS tenant_info (
              id bigint(20) NOT NULL AUTO_INCREMENT,
              kp varchar(128) NOT NULL,
              tenant_id varchar(128) DEFAULT '',
              tenant_name varchar(128) DEFAULT '',
              tenant_desc varchar(256) DEFAULT NULL,
              create_source varchar(32) DEFAULT NULL,
              gmt_create bigint(20) NOT NULL,
              gmt_modified bigint(20) NOT NULL,
              PRIMARY KEY (id),
              UNIQUE KEY uk_tenant_info_kptenantid (kp, tenant_id),
              KEY idx_tenant_id (tenant_id)
            ) {TableOptions}
            """,
            $"""
            CREATE TABLE IF NOT EXISTS users (
              username varchar(50) NOT NULL PRIMARY KEY,
              password varchar(500) NOT NULL,
              enabled boolean NOT NULL
            ) {TableOptions}
            """,
            $"""
            CREATE TABLE IF NOT EXISTS roles (
              username varchar(50) NOT NULL,
              role varchar(50) NOT NULL,
              UNIQUE INDEX idx_user_role (username ASC, role ASC) USING BTREE
            ) {TableOptions}
            """,
            $"""
            CREATE TABLE IF NOT EXISTS permissions (
              role varchar(50) NOT NULL,
              resource varchar(128) NOT NULL,
              action varchar(8) NOT NULL,
              UNIQUE INDEX uk_role_permission (role, resource, action) USING BTREE
            ) {TableOptions}
            """,
        };

        if (traits.HasBetaAndTagTables)
        {
            var betaKey = traits.EncryptedDataKey == EncryptedDataKeyColumn.None ? "" : encryptedKey;
            statements.Add($"""
                CREATE TABLE IF NOT EXISTS config_info_beta (
                  id bigint(20) NOT NULL AUTO_INCREMENT,
                  data_id varchar(255) NOT NULL,
                  group_id varchar(128) NOT NULL,
                  app_name varchar(128) DEFAULT NULL,
                  content longtext NOT NULL,
                  beta_ips varchar(1024) DEFAULT NULL,
                  md5 varchar(32) DEFAULT NULL,
                  gmt_create datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
                  gmt_modified datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
                  src_user text,
                  src_ip varchar(50) DEFAULT NULL,
                  tenant_id varchar(128) DEFAULT ''{betaKey},
                  PRIMARY KEY (id),
                  UNIQUE KEY uk_configinfobeta_datagrouptenant (data_id, group_id, tenant_id)
                ) {TableOptions}
                """);
            statements.Add($"""
                CREATE TABLE IF NOT EXISTS config_info_tag (
                  id bigint(20) NOT NULL AUTO_INCREMENT,
                  data_id varchar(255) NOT NULL,
                  group_id varchar(128) NOT NULL,
                  tenant_id varchar(128) DEFAULT '',
                  tag_id varchar(128) NOT NULL,
                  app_name varchar(128) DEFAULT NULL,
                  content longtext NOT NULL,
                  md5 varchar(32) DEFAULT NULL,
                  gmt_create datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
                  gmt_modified datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
                  src_user text,
                  src_ip varchar(50) DEFAULT NULL,
                  PRIMARY KEY (id),
                  UNIQUE KEY uk_configinfotag_datagrouptenanttag (data_id, group_id, tenant_id, tag_id)
                ) {TableOptions}
                """);
        }

        if (traits.HasGrayTable)
        {
            statements.Add($"""
                CREATE TABLE IF NOT EXISTS config_info_gray (
                  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
                  data_id varchar(255) NOT NULL,
                  group_id varchar(128) NOT NULL,
                  content longtext NOT NULL,
                  md5 varchar(32) DEFAULT NULL,
                  src_user text,
                  src_ip varchar(100) DEFAULT NULL,
                  gmt_create datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
                  gmt_modified datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
                  app_name varchar(128) DEFAULT NULL,
                  tenant_id varchar(128) DEFAULT '',
                  gray_name varchar(128) NOT NULL,
                  gray_rule text NOT NULL,
                  encrypted_data_key varchar(256) NOT NULL DEFAULT '',
                  PRIMARY KEY (id),
                  UNIQUE KEY uk_configinfogray_datagrouptenantgray (data_id, group_id, tenant_id, gray_name),
                  KEY idx_dataid_gmt_modified (data_id, gmt_modified),
                  KEY idx_gmt_modified (gmt_modified)
                ) {TableOptions}
                """);
        }

        return statements;
    }
}
