using System.Globalization;
using System.Text;
using Dapper;
using NacosSync.Core.Config;
using NacosSync.Core.State;
using NacosSync.Storage.Database;

namespace NacosSync.Storage.Config;

/// <summary>Whose ledger: one task writing into one target cluster.</summary>
public readonly record struct LedgerScope(string Task, string TargetCluster);

/// <summary>
/// Which target configs a task wrote into its target cluster (<c>nacossync_config_owned</c> in the state
/// database, migrations 002 and 004). Only these are removed when the source loses them, unless the task
/// mirrors. The writer records a key <em>before</em> writing its row (the two live in different databases and
/// cannot share a transaction): a crash between the two leaves an entry for a row that may not exist, which is
/// harmless (a removal needs a target row to remove), never a row without its entry, which no later source
/// delete would reach. Every call is set-based: one statement per chunk of keys, never one per key.
/// Writes are fenced as the run state is (<see cref="FencedRunStateStore"/>): with <paramref name="ownership"/>,
/// each first checks that this replica still holds the task's lease, so a replaced owner gets
/// <see cref="StaleTaskLeaseException"/> rather than forgetting keys the new owner has just recorded. Without it
/// (one replica, the CLI) nothing is fenced.
/// </summary>
public sealed class ConfigOwnershipLedger(SqlDatabase stateDatabase, ITaskOwnership? ownership = null)
{
    private const int Chunk = 500;

    /// <summary>Records the keys as owned (or refreshes their md5).</summary>
    public async Task RecordAsync(LedgerScope scope, IReadOnlyCollection<(ConfigKey Key, string Md5)> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        await FenceAsync(scope, cancellationToken);
        await using var connection = await stateDatabase.OpenAsync(cancellationToken);
        foreach (var chunk in entries.DistinctBy(e => e.Key).Chunk(Chunk))
        {
            var parameters = Scoped(scope);
            var values = new StringBuilder();
            for (var i = 0; i < chunk.Length; i++)
            {
                values.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $"(@task, @target, @t{i}, @g{i}, @d{i}, @m{i}, UTC_TIMESTAMP(3))");
                AddKey(parameters, i, chunk[i].Key);
                parameters.Add($"m{i}", chunk[i].Md5);
            }

            await connection.ExecuteAsync(new CommandDefinition(
                $"""
                INSERT INTO nacossync_config_owned (task_name, target_cluster, tenant_id, group_id, data_id, md5, written_at) VALUES {values}
                ON DUPLICATE KEY UPDATE md5 = VALUES(md5), written_at = VALUES(written_at)
                """, parameters, cancellationToken: cancellationToken));
        }
    }

    public async Task ForgetAsync(LedgerScope scope, IReadOnlyCollection<ConfigKey> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
        {
            return;
        }

        await FenceAsync(scope, cancellationToken);
        await using var connection = await stateDatabase.OpenAsync(cancellationToken);
        foreach (var chunk in keys.Distinct().Chunk(Chunk))
        {
            var (tuples, parameters) = Tuples(scope, chunk);
            await connection.ExecuteAsync(new CommandDefinition(
                $"DELETE FROM nacossync_config_owned WHERE task_name = @task AND target_cluster = @target AND (tenant_id, group_id, data_id) IN ({tuples})",
                parameters, cancellationToken: cancellationToken));
        }
    }

    /// <summary>The subset of <paramref name="keys"/> the task owns in its target.</summary>
    public async Task<HashSet<ConfigKey>> OwnedAsync(LedgerScope scope, IReadOnlyCollection<ConfigKey> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var owned = new HashSet<ConfigKey>();
        if (keys.Count == 0)
        {
            return owned;
        }

        await using var connection = await stateDatabase.OpenAsync(cancellationToken);
        foreach (var chunk in keys.Distinct().Chunk(Chunk))
        {
            var (tuples, parameters) = Tuples(scope, chunk);
            var rows = await connection.QueryAsync<(string Tenant, string Group, string DataId)>(new CommandDefinition(
                $"SELECT tenant_id, group_id, data_id FROM nacossync_config_owned WHERE task_name = @task AND target_cluster = @target AND (tenant_id, group_id, data_id) IN ({tuples})",
                parameters, cancellationToken: cancellationToken));
            var wanted = chunk.ToHashSet();
            foreach (var r in rows)
            {
                // The _bin collation ignores trailing spaces: keep exact matches only.
                var key = new ConfigKey(r.Tenant, r.Group, r.DataId);
                if (wanted.Contains(key))
                {
                    owned.Add(key);
                }
            }
        }

        return owned;
    }

    /// <summary>How many configs the task owns in each target tenant it has written to (one grouped query).</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountByTenantAsync(LedgerScope scope, CancellationToken cancellationToken)
    {
        await using var connection = await stateDatabase.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Tenant, long Count)>(new CommandDefinition(
            "SELECT tenant_id, COUNT(*) FROM nacossync_config_owned WHERE task_name = @task AND target_cluster = @target GROUP BY tenant_id",
            Scoped(scope), cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Tenant, r => r.Count, StringComparer.Ordinal);
    }

    /// <summary>Entries written before the ledger named its target (migration 004) become the task's current target's. Returns how many.</summary>
    public async Task<int> ClaimUnassignedAsync(LedgerScope scope, CancellationToken cancellationToken)
    {
        await FenceAsync(scope, cancellationToken);
        await using var connection = await stateDatabase.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE IGNORE nacossync_config_owned SET target_cluster = @target WHERE task_name = @task AND target_cluster = ''",
            Scoped(scope), cancellationToken: cancellationToken));
    }

    private Task FenceAsync(LedgerScope scope, CancellationToken cancellationToken) =>
        ownership is null ? Task.CompletedTask : ownership.EnsureOwnerAsync(scope.Task, cancellationToken);

    private static DynamicParameters Scoped(LedgerScope scope)
    {
        var parameters = new DynamicParameters();
        parameters.Add("task", scope.Task);
        parameters.Add("target", scope.TargetCluster);
        return parameters;
    }

    private static (string Tuples, DynamicParameters Parameters) Tuples(LedgerScope scope, ConfigKey[] keys)
    {
        var parameters = Scoped(scope);
        var tuples = new StringBuilder();
        for (var i = 0; i < keys.Length; i++)
        {
            tuples.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $"(@t{i}, @g{i}, @d{i})");
            AddKey(parameters, i, keys[i]);
        }

        return (tuples.ToString(), parameters);
    }

    private static void AddKey(DynamicParameters parameters, int i, ConfigKey key)
    {
        parameters.Add($"t{i}", key.Tenant);
        parameters.Add($"g{i}", key.Group);
        parameters.Add($"d{i}", key.DataId);
    }
}
