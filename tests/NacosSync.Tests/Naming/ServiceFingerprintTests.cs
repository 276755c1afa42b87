using NacosSync.Core.Naming;
using NacosSync.Engine.Naming;
using static NacosSync.Tests.Naming.NamingTestData;

namespace NacosSync.Tests.Naming;

/// <summary>The applied baselines are persisted: the fingerprint of a service must not change from one build to the next.</summary>
[TestFixture]
internal sealed class ServiceFingerprintTests
{
    [Test]
    public void A_service_fingerprints_to_the_value_earlier_builds_persisted()
    {
        // FNV-1a (64-bit) over the UTF-16 text of cluster, ip, port, weight ("R"), e|d, h|u and the metadata in ordinal key
        // order, each followed by 0xFFFF; instances combined by sum(hash * 2654435761) from the count. Worked out apart from
        // this code (a few lines of Python over the same definition), so a faster implementation cannot drift unnoticed.
        var service = new ServiceSnapshot(Service(), [
            Instance("10.0.0.2", 80, healthy: false),
            Instance("10.0.0.1", 8080, weight: 1.5, metadata: [("zone", "a"), ("Version", "2")]),
        ]);

        Assert.That(ServiceFingerprint.Of(service), Is.EqualTo(-3222932712110287478L));
    }

    [Test]
    public void Instance_and_metadata_order_do_not_matter_and_any_attribute_does()
    {
        var a = Instance("10.0.0.1", 80, metadata: [("a", "1"), ("b", "2")]);
        var b = Instance("10.0.0.2", 80);
        var baseline = ServiceFingerprint.Of(new ServiceSnapshot(Service(), [a, b]));

        Assert.Multiple(() =>
        {
            Assert.That(ServiceFingerprint.Of(new ServiceSnapshot(Service(), [b, Instance("10.0.0.1", 80, metadata: [("b", "2"), ("a", "1")])])), Is.EqualTo(baseline));
            Assert.That(ServiceFingerprint.Of(new ServiceSnapshot(Service(), [a, Instance("10.0.0.2", 80, weight: 0.5)])), Is.Not.EqualTo(baseline), "weight");
            Assert.That(ServiceFingerprint.Of(new ServiceSnapshot(Service(), [a, Instance("10.0.0.2", 81)])), Is.Not.EqualTo(baseline), "port");
            Assert.That(ServiceFingerprint.Of(new ServiceSnapshot(Service(), [a, Instance("10.0.0.2", 80, metadata: [("x", "")])])), Is.Not.EqualTo(baseline), "metadata");
            Assert.That(ServiceFingerprint.Of(new ServiceSnapshot(Service(), [a])), Is.Not.EqualTo(baseline), "one fewer");
        });
    }
}
