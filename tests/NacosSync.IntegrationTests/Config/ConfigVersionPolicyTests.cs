using Dapper;
using NacosSync.Core.Sync;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Config;

/// <summary>
/// The config public tenant follows the server version (reference §3, §8: <c>""</c> on 1.x/2.x,
/// <c>public</c> on 3.x); a version that cannot be read fails the run before anything is written.
/// </summary>
[TestFixture]
internal sealed class ConfigVersionPolicyTests
{
    private static string Describe(SyncRunResult r) => string.Join(" | ", r.Errors.Select(e => $"{e.Stage}: {e.Message}"));

    private static async Task<string[]> TargetTenantsAsync(ConfigSyncHarness h)
    {
        await using var c = await h.TargetDatabase.OpenAsync(CancellationToken.None);
        return [.. await c.QueryAsync<string>("SELECT tenant_id FROM config_info ORDER BY tenant_id")];
    }

    [Test]
    public async Task A_3x_target_receives_the_2x_public_namespace_in_tenant_public()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4, targetProfile: NacosVersionProfile.V3_0);
        await h.WriteSourceAsync("app", "formal");

        var run = await h.RunAsync(SyncMode.Full);

        Assert.That(run.Succeeded, Is.True, Describe(run));
        Assert.That(await TargetTenantsAsync(h), Is.EqualTo(new[] { "public" }), "3.x keeps the public namespace in tenant_id 'public', never ''");
    }

    [Test]
    public async Task A_target_whose_version_cannot_be_read_fails_the_run_naming_the_cluster_and_nothing_is_written()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4, targetProfile: NacosVersionProfile.V3_0);
        await h.WriteSourceAsync("app", "formal");
        foreach (var node in h.Target.Nodes)
        {
            node.Faults.Mode = FaultMode.ServerStateError;
        }

        var run = await h.RunAsync(SyncMode.Full);

        Assert.Multiple(async () =>
        {
            Assert.That(run.Succeeded, Is.False, "a run that does not know the target's public tenant must not pass for a success");
            Assert.That(run.Errors.Select(e => e.Message), Has.Some.Contains("'tgt'").And.Contains("version"), "the error names the cluster: " + Describe(run));
            Assert.That(await TargetTenantsAsync(h), Is.Empty, "nothing written: a guessed '' tenant on a 3.x target makes owned orphans");
        });
    }

    [Test]
    public async Task A_source_whose_version_cannot_be_read_fails_the_run_naming_the_cluster_and_nothing_is_written()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V3_0);
        await h.WriteSourceAsync("app", "formal");
        h.Source.Nodes[0].Faults.Mode = FaultMode.ServerStateError;

        var run = await h.RunAsync(SyncMode.Full);

        Assert.Multiple(async () =>
        {
            Assert.That(run.Succeeded, Is.False, Describe(run));
            Assert.That(run.Errors.Select(e => e.Message), Has.Some.Contains("'src'").And.Contains("version"), "the error names the cluster: " + Describe(run));
            Assert.That(await TargetTenantsAsync(h), Is.Empty, "nothing written: a guessed '' source tenant would read the wrong namespace as public");
        });
    }
}
