using Dapper;
using NacosSync.Core.Config;
using NacosSync.Core.Options;
using NacosSync.Core.Sync;
using NacosSync.IntegrationTests.Config;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Matrix;

/// <summary>
/// Config sync across the version lines of issue 10, database and API modes (a 1-node target: what every node serves
/// is covered by ConfigSyncTests and the verify test). The public namespace is <c>""</c> on 1.4/2.x and <c>public</c>
/// on 3.x (reference §3, §8), config rows included (<c>tenant_id</c>).
/// </summary>
[TestFixture(NacosVersionProfile.V2_4, NacosVersionProfile.V3_3, ConfigSyncMode.Database)]
[TestFixture(NacosVersionProfile.V2_4, NacosVersionProfile.V3_3, ConfigSyncMode.Api)]
[TestFixture(NacosVersionProfile.V3_3, NacosVersionProfile.V3_3, ConfigSyncMode.Database)]
[TestFixture(NacosVersionProfile.V3_3, NacosVersionProfile.V3_3, ConfigSyncMode.Api)]
[TestFixture(NacosVersionProfile.V3_3, NacosVersionProfile.V2_4, ConfigSyncMode.Database)]
[TestFixture(NacosVersionProfile.V3_3, NacosVersionProfile.V2_4, ConfigSyncMode.Api)]
[TestFixture(NacosVersionProfile.V1_4, NacosVersionProfile.V3_3, ConfigSyncMode.Database)]
[TestFixture(NacosVersionProfile.V1_4, NacosVersionProfile.V3_3, ConfigSyncMode.Api)]
internal sealed class ConfigMatrixTests(NacosVersionProfile source, NacosVersionProfile target, ConfigSyncMode mode)
{
    private static string Describe(SyncRunResult r) =>
        $"added {r.Added}, updated {r.Updated}, removed {r.Removed}, refused {r.Refused}, failed {r.Failed}, errors: {string.Join(" | ", r.Errors.Select(e => $"{e.Stage}: {e.Message}"))}";

    private Task<ConfigSyncHarness> StartAsync() => ConfigSyncHarness.StartAsync(source, mode, target, targetNodes: 1);

    private static async Task<List<string>> TenantsOfAsync(ConfigSyncHarness h, string dataId)
    {
        await using var c = await h.TargetDatabase.OpenAsync(CancellationToken.None);
        return [.. await c.QueryAsync<string>("SELECT tenant_id FROM config_info WHERE data_id = @dataId", new { dataId })];
    }

    [Test]
    public async Task Copy_update_and_delete_reach_the_target_with_the_public_namespace_mapped()
    {
        await using var h = await StartAsync();
        await h.WriteSourceAsync("a.yaml", "a: 1");
        await h.WriteSourceAsync("b.properties", "b=1");

        var full = await h.RunAsync(SyncMode.Full);
        var copiedA = await h.ServedByEveryNodeAsync(h.TargetKey("a.yaml"));
        var tenants = await TenantsOfAsync(h, "a.yaml");
        await h.WriteSourceAsync("a.yaml", "a: 2");
        await h.DeleteSourceAsync("b.properties");
        var incremental = await h.RunAsync(SyncMode.Incremental);

        Assert.Multiple(async () =>
        {
            Assert.That(full.Succeeded, Is.True, $"{source} → {target} {mode}: " + Describe(full));
            Assert.That(full.Added, Is.EqualTo(2), "both configs copied: " + Describe(full));
            Assert.That(copiedA, Is.All.EqualTo(ConfigMd5.Of("a: 1")), $"the target serves the copy in its public namespace '{h.TargetPublic}'");
            Assert.That(tenants, Is.EqualTo(new[] { h.TargetPublic }), $"the row lands in the target's public tenant_id ('{h.SourcePublic}' → '{h.TargetPublic}')");
            Assert.That(incremental.Succeeded, Is.True, Describe(incremental));
            Assert.That((incremental.Updated, incremental.Removed), Is.EqualTo((1L, 1L)), "one update, one delete: " + Describe(incremental));
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("a.yaml")), Is.All.EqualTo(ConfigMd5.Of("a: 2")), "the update is served");
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("b.properties")), Is.All.Null, "the delete is gone");
        });
    }

    /// <summary>Database mode copies the tenant_info row; API mode creates the namespace through the target's namespace API (issue 10).</summary>
    [Test]
    public async Task A_custom_namespace_created_in_the_source_appears_in_the_target_with_its_configs()
    {
        await using var h = await StartAsync();
        await using (var c = await h.SourceDatabase.OpenAsync(CancellationToken.None))
        {
            await c.ExecuteAsync("INSERT INTO tenant_info (kp, tenant_id, tenant_name, tenant_desc, create_source, gmt_create, gmt_modified) VALUES ('1', 'team', 'Team', 'd', 'nacos', 0, 0)");
        }

        await h.WriteSourceAsync("x", "in team", tenant: "team");

        var full = await h.RunAsync(SyncMode.Full);
        await using var t = await h.TargetDatabase.OpenAsync(CancellationToken.None);
        var name = await t.ExecuteScalarAsync<string?>("SELECT tenant_name FROM tenant_info WHERE tenant_id = 'team'");

        Assert.Multiple(async () =>
        {
            Assert.That(full.Succeeded, Is.True, $"{source} → {target} {mode}: " + Describe(full));
            Assert.That(name, Is.EqualTo("Team"), "the namespace exists in the target with its name");
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("x", "team")), Is.All.EqualTo(ConfigMd5.Of("in team")), "its config is served in it");
        });
    }
}
