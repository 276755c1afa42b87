using Dapper;
using NacosSync.Core.Sync;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Config;

[TestFixture]
internal sealed class ConfigVariantTests
{
    private static async Task<List<(string DataId, string Name, string Content)>> ReadAsync(Storage.Database.SqlDatabase database, string sql)
    {
        await using var c = await database.OpenAsync(CancellationToken.None);
        return [.. await c.QueryAsync<(string, string, string)>(sql)];
    }

    [Test]
    public async Task Beta_and_tag_rows_are_copied_updated_and_removed_with_their_formal_config()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4);
        await h.WriteSourceAsync("app", "formal");
        await using (var c = await h.SourceDatabase.OpenAsync(CancellationToken.None))
        {
            await c.ExecuteAsync("INSERT INTO config_info_beta (data_id, group_id, tenant_id, content, beta_ips, md5, encrypted_data_key) VALUES ('app', 'DEFAULT_GROUP', '', 'beta 1', '10.0.0.1', MD5('beta 1'), '')");
            await c.ExecuteAsync("INSERT INTO config_info_tag (data_id, group_id, tenant_id, tag_id, content, md5) VALUES ('app', 'DEFAULT_GROUP', '', 'blue', 'tag blue', MD5('tag blue'))");
        }

        var first = await h.RunAsync(SyncMode.Full);
        Assert.That(first.Errors, Is.Empty, string.Join(" | ", first.Errors.Select(e => e.Message)));
        Assert.Multiple(async () =>
        {
            Assert.That(await ReadAsync(h.TargetDatabase, "SELECT data_id, beta_ips, content FROM config_info_beta"), Is.EqualTo(new[] { ("app", "10.0.0.1", "beta 1") }), "beta copied with its IPs");
            Assert.That(await ReadAsync(h.TargetDatabase, "SELECT data_id, tag_id, content FROM config_info_tag"), Is.EqualTo(new[] { ("app", "blue", "tag blue") }), "tag copied");
        });

        await using (var c = await h.SourceDatabase.OpenAsync(CancellationToken.None))
        {
            await c.ExecuteAsync("UPDATE config_info_beta SET content = 'beta 2', md5 = MD5('beta 2')");
            await c.ExecuteAsync("DELETE FROM config_info_tag");
        }

        var second = await h.RunAsync(SyncMode.Full);
        Assert.Multiple(async () =>
        {
            Assert.That((second.Updated, second.Removed, second.Errors.Count), Is.EqualTo((1L, 1L, 0)), string.Join(" | ", second.Errors.Select(e => e.Message)));
            Assert.That(await ReadAsync(h.TargetDatabase, "SELECT data_id, beta_ips, content FROM config_info_beta"), Is.EqualTo(new[] { ("app", "10.0.0.1", "beta 2") }), "beta updated");
            Assert.That(await ReadAsync(h.TargetDatabase, "SELECT data_id, tag_id, content FROM config_info_tag"), Is.Empty, "an ended tag release is removed (its config is owned)");
        });
    }

    [Test]
    public async Task Beta_rows_are_reported_not_converted_when_the_target_has_only_gray()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4, targetProfile: NacosVersionProfile.V3_0);
        await h.WriteSourceAsync("app", "formal");
        await using (var c = await h.SourceDatabase.OpenAsync(CancellationToken.None))
        {
            await c.ExecuteAsync("INSERT INTO config_info_beta (data_id, group_id, tenant_id, content, beta_ips, md5, encrypted_data_key) VALUES ('app', 'DEFAULT_GROUP', '', 'beta', '10.0.0.1', MD5('beta'), '')");
        }

        var run = await h.RunAsync(SyncMode.Full);
        Assert.Multiple(async () =>
        {
            Assert.That(run.Added, Is.EqualTo(1), "the formal config is copied (2.x '' public to 3.0 'public')");
            Assert.That(run.Errors.Select(e => e.Message), Has.Some.Contains("beta row(s) not copied"), "the unsupported combination is said clearly");
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("app")), Is.All.Not.Null, "and served by every 3.0 node");
        });
    }
}
