using System.Globalization;
using System.Text;
using Dapper;
using NacosSync.Core.Config;
using NacosSync.Sandbox;
using NacosSync.Storage.Database;

namespace NacosSync.Bench.Setup;

/// <summary>One config as seeded: its key and the md5 of its content.</summary>
internal sealed record SeededConfig(string Tenant, string Group, string DataId, string Md5);

/// <summary>
/// Fills the source. Configs go straight into the source's Nacos tables (config_info, tenant_info) before its
/// sandbox starts, as a restored dump would: each node loads its cache from them at start, as Nacos's dump does.
/// Instances go through the source's open API (persistent, so the harness keeps no heartbeats). Seeding time is not a figure.
/// </summary>
internal static class Seeder
{
    public static async Task<IReadOnlyList<SeededConfig>> SeedConfigsAsync(SqlDatabase database, Workload workload, NacosVersionProfile profile, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(workload);
        await NacosSchema.CreateAsync(database, profile, ct);
        var seeded = new List<SeededConfig>(workload.Configs);
        var random = new Random(42);
        await using var connection = await database.OpenAsync(ct);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var n = 1; n < workload.Namespaces; n++)
        {
            await connection.ExecuteAsync(
                "INSERT INTO tenant_info (kp, tenant_id, tenant_name, tenant_desc, create_source, gmt_create, gmt_modified) VALUES ('1', @id, @id, 'bench', 'nacos', @now, @now)",
                new { id = Workload.ConfigTenant(n), now });
        }

        for (var start = 0; start < workload.Configs; start += 500)
        {
            var sql = new StringBuilder("INSERT INTO config_info (data_id, group_id, tenant_id, content, md5, type, app_name, encrypted_data_key) VALUES ");
            var p = new DynamicParameters();
            for (var i = start; i < Math.Min(workload.Configs, start + 500); i++)
            {
                var content = Content(random, workload.ConfigBytes, i);
                var config = new SeededConfig(workload.ConfigTenantOf(i), Workload.ConfigGroup(i), Workload.ConfigDataId(i), ConfigMd5.Of(content));
                seeded.Add(config);
                sql.Append(i == start ? "" : ",").Append(CultureInfo.InvariantCulture, $"(@d{i}, @g{i}, @t{i}, @c{i}, @m{i}, 'yaml', 'bench', '')");
                p.Add($"t{i}", config.Tenant);
                p.Add($"d{i}", config.DataId);
                p.Add($"g{i}", config.Group);
                p.Add($"c{i}", content);
                p.Add($"m{i}", config.Md5);
            }

            await connection.ExecuteAsync(sql.ToString(), p);
        }

        return seeded;
    }

    /// <summary>Every instance of the workload at weight 1, registered through the source's nodes in turn.</summary>
    public static async Task SeedInstancesAsync(SandboxApi source, Workload workload, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(workload);
        await Parallel.ForEachAsync(Enumerable.Range(0, workload.Instances), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = ct },
            async (i, token) => await source.RegisterAsync(Instance(workload, i, 1), ephemeral: false, node: i, token));
    }

    /// <summary>Instance number <paramref name="i"/> (service i / per service) at <paramref name="weight"/>.</summary>
    public static BenchInstance Instance(Workload workload, int i, double weight)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var s = i / workload.InstancesPerService;
        return new BenchInstance(workload.ServiceNamespace(s), Workload.ServiceName(s), Workload.InstanceIp(s, i % workload.InstancesPerService), Workload.InstancePort(s), weight);
    }

    /// <summary>Config text of about <paramref name="size"/> bytes: YAML-like lines of random words (incompressible enough to be honest).</summary>
    public static string Content(Random random, int size, int revision)
    {
        ArgumentNullException.ThrowIfNull(random);
        const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        var text = new StringBuilder(size + 64);
        text.Append(CultureInfo.InvariantCulture, $"revision: {revision}\n");
        while (text.Length < size)
        {
            text.Append("key");
            for (var j = 0; j < 6; j++)
            {
                text.Append(Alphabet[random.Next(Alphabet.Length)]);
            }

            text.Append(": ");
            for (var j = 0; j < 40; j++)
            {
                text.Append(Alphabet[random.Next(Alphabet.Length)]);
            }

            text.Append('\n');
        }

        return text.ToString(0, size);
    }
}
