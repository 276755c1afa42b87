using Dapper;
using NacosSync.Core.Config;
using NacosSync.Storage.Database;

namespace NacosSync.Storage.Config;

/// <summary>
/// Which target configs a task wrote (<c>nacossync_config_owned</c> in the state database,
/// migration 002). Only these are removed when the source loses them, unless the task mirrors.
/// </summary>
public sealed class ConfigOwnershipLedger(SqlDatabase stateDatabase)
{
    public async Task RecordAsync(string taskName, ConfigKey key, string md5, CancellationToken cancellationToken)
    {
        await using var connection = await stateDatabase.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO nacossync_config_owned (task_name, tenant_id, group_id, data_id, md5, written_at)
            VALUES (@taskName, @Tenant, @Group, @DataId, @md5, UTC_TIMESTAMP(3))
            ON DUPLICATE KEY UPDATE md5 = VALUES(md5), written_at = VALUES(written_at)
            """, new { taskName, key.Tenant, key.Group, key.DataId, md5 }, cancellationToken: cancellationToken));
    }

    public async Task ForgetAsync(string taskName, ConfigKey key, CancellationToken cancellationToken)
    {
        await using var connection = await stateDatabase.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM nacossync_config_owned WHERE task_name = @taskName AND tenant_id = @Tenant AND group_id = @Group AND data_id = @DataId",
            new { taskName, key.Tenant, key.Group, key.DataId }, cancellationToken: cancellationToken));
    }

    /// <summary>The subset of <paramref name="keys"/> the task owns.</summary>
    public async Task<HashSet<ConfigKey>> OwnedAsync(string taskName, IReadOnlyCollection<ConfigKey> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var owned = new HashSet<ConfigKey>();
        await using var connection = await stateDatabase.OpenAsync(cancellationToken);
        foreach (var key in keys)
        {
            var hit = await connection.ExecuteScalarAsync<int?>(new CommandDefinition(
                "SELECT 1 FROM nacossync_config_owned WHERE task_name = @taskName AND tenant_id = @Tenant AND group_id = @Group AND data_id = @DataId",
                new { taskName, key.Tenant, key.Group, key.DataId }, cancellationToken: cancellationToken));
            if (hit == 1 && !owned.Contains(key))
            {
                owned.Add(key);
            }
        }

        return owned;
    }

    /// <summary>How many configs the task owns in one target tenant.</summary>
    public async Task<long> CountAsync(string taskName, string tenant, CancellationToken cancellationToken)
    {
        await using var connection = await stateDatabase.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM nacossync_config_owned WHERE task_name = @taskName AND tenant_id = @tenant",
            new { taskName, tenant }, cancellationToken: cancellationToken));
    }
}
