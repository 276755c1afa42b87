using NacosSync.Core.Naming;
using NacosSync.Sandbox;
using static NacosSync.IntegrationTests.Naming.NamingSyncHarness;

namespace NacosSync.IntegrationTests.Matrix;

/// <summary>
/// Naming sync across the version lines of issue 10 (1-node clusters; 3.3 as shipped: identity, an admin created, client
/// auth on). The naming public namespace is <c>public</c> on every line (reference §8: only config's tenant differs).
/// </summary>
[TestFixture(NacosVersionProfile.V2_4, NacosVersionProfile.V3_3)]
[TestFixture(NacosVersionProfile.V3_3, NacosVersionProfile.V3_3)]
[TestFixture(NacosVersionProfile.V3_3, NacosVersionProfile.V2_4)]
[TestFixture(NacosVersionProfile.V1_4, NacosVersionProfile.V3_3)]
internal sealed class NamingMatrixTests(NacosVersionProfile source, NacosVersionProfile target)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static string Describe(Core.Sync.SyncRunResult r) => $"added {r.Added}, updated {r.Updated}, removed {r.Removed}, errors: {string.Join(" | ", r.Errors.Select(e => $"{e.Stage}: {e.Message}"))}";

    [Test]
    public async Task Copy_update_and_removal_in_the_public_namespace_reach_the_target()
    {
        await using var h = await StartAsync(source, targetProfile: target);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1"), None);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.2", cluster: "EDGE"), None);
        await h.SourceApi.RegisterAsync(Instance("pay", "10.0.1.1", group: "PAY"), None);

        var copy = await h.RunAsync();
        var copied = await AllAsync(h.TargetApi);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1", weight: 5), None);
        await h.SourceApi.DeregisterAsync(Instance("orders", "10.0.0.2", cluster: "EDGE"), None);
        var change = await h.RunAsync();
        var changed = await AllAsync(h.TargetApi);

        Assert.Multiple(() =>
        {
            Assert.That(copy.Errors, Is.Empty, $"{source} → {target}: " + Describe(copy));
            Assert.That(copied.Select(i => (i.Key.Service.Group, i.Key.Service.Service, i.Key.Cluster, i.Key.Ip)).Order(),
                Is.EqualTo(new[] { ("DEFAULT_GROUP", "orders", "DEFAULT", "10.0.0.1"), ("DEFAULT_GROUP", "orders", "EDGE", "10.0.0.2"), ("PAY", "pay", "DEFAULT", "10.0.1.1") }),
                "every source instance, with its group and cluster, is in the target's public namespace");
            Assert.That((change.Updated, change.Removed), Is.EqualTo((1L, 1L)), "one update, one removal: " + Describe(change));
            Assert.That(changed.Select(i => (i.Key.Ip, i.Weight)).Order(), Is.EqualTo(new[] { ("10.0.0.1", 5.0), ("10.0.1.1", 1.0) }), "the update and the removal reached the target");
        });
    }

    /// <summary>Naming full runs create the source's custom namespaces missing in the target (issue 10), through its namespace API.</summary>
    [Test]
    public async Task A_custom_namespace_created_in_the_source_appears_in_the_target_with_its_instances()
    {
        await using var h = await StartAsync(source, targetProfile: target, databases: true);
        await h.SourceApi.CreateNamespaceAsync("team", "Team", "the team's namespace", None);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1", ns: "team"), None);

        var run = await h.RunAsync();
        var namespaces = await h.TargetApi.ListNamespacesAsync(None);
        var instances = await AllAsync(h.TargetApi, "team");

        Assert.Multiple(() =>
        {
            Assert.That(run.Errors, Is.Empty, $"{source} → {target}: " + Describe(run));
            Assert.That(namespaces.Select(n => (n.Id, n.Name)), Does.Contain(("team", "Team")), "the namespace is created in the target, with its name");
            Assert.That(instances.Select(i => i.Key), Is.EqualTo(new[] { new InstanceKey(new ServiceKey("team", "DEFAULT_GROUP", "orders"), "DEFAULT", "10.0.0.1", 8080) }),
                "its instance is copied into it");
        });
    }
}
