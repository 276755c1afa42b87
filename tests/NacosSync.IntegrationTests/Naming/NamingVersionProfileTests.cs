using NacosSync.Core.Sync;
using NacosSync.Sandbox;
using static NacosSync.IntegrationTests.Naming.NamingSyncHarness;

namespace NacosSync.IntegrationTests.Naming;

/// <summary>The calls that differ by version: catalog (1.4, 2.x) versus per-group listing (3.0's v1 console answers 410).</summary>
[TestFixture(NacosVersionProfile.V1_4)]
[TestFixture(NacosVersionProfile.V2_2_0)]
[TestFixture(NacosVersionProfile.V3_0)]
internal sealed class NamingVersionProfileTests(NacosVersionProfile profile)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Test]
    public async Task Copy_change_and_removal_work_on_this_version()
    {
        await using var h = await StartAsync(profile);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1"), None);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.2"), None);
        await h.SourceApi.RegisterAsync(Instance("pay", "10.0.1.1"), None);
        await h.TargetApi.RegisterAsync(Instance("orders", "10.9.9.9"), None);

        var copy = await h.RunAsync();
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1", weight: 5), None);
        await h.SourceApi.DeregisterAsync(Instance("orders", "10.0.0.2"), None);
        var change = await h.RunAsync();
        var version = await h.TargetApi.GetVersionAsync(None);
        var orders = await h.TargetApi.ListInstancesAsync(new Core.Naming.ServiceKey("public", "DEFAULT_GROUP", "orders"), None);

        Assert.Multiple(() =>
        {
            Assert.That(copy.Errors, Is.Empty, $"no errors on {profile}");
            Assert.That(copy.Added, Is.EqualTo(3), "every source instance copied");
            Assert.That((change.Updated, change.Removed), Is.EqualTo((1L, 1L)), "one update, one removal");
            Assert.That(orders.Service.Instances.Select(i => (i.Key.Ip, i.Weight)).Order(), Is.EqualTo(new[] { ("10.0.0.1", 5.0), ("10.9.9.9", 1.0) }),
                "the changed replica and the untouched native instance");
            Assert.That(version.Major, Is.EqualTo(profile switch { NacosVersionProfile.V1_4 => 1, NacosVersionProfile.V3_0 => 3, _ => 2 }), "version detected");
        });
    }
}
