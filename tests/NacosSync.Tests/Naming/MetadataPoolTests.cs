using NacosSync.Core.Naming;

namespace NacosSync.Tests.Naming;

[TestFixture]
internal sealed class MetadataPoolTests
{
    private static Dictionary<string, string> Map(params string[] pairs)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < pairs.Length; i += 2)
        {
            // New string objects each time, as a parser makes them.
            map[new string(pairs[i].AsSpan())] = new string(pairs[i + 1].AsSpan());
        }

        return map;
    }

    [Test]
    public void Equal_maps_in_any_order_share_one_copy_and_different_ones_do_not()
    {
        var pool = new MetadataPool();
        var first = pool.Share(Map("zone", "z1", "app", "a"));
        var again = pool.Share(Map("app", "a", "zone", "z1"));
        var otherValue = pool.Share(Map("zone", "z2", "app", "a"));
        var fewerKeys = pool.Share(Map("zone", "z1"));
        Assert.Multiple(() =>
        {
            Assert.That(again, Is.SameAs(first), "same content, other insertion order");
            Assert.That(otherValue, Is.Not.SameAs(first), "one value differs");
            Assert.That(otherValue["zone"], Is.EqualTo("z2"));
            Assert.That(fewerKeys, Is.Not.SameAs(first), "a subset is not equal");
            Assert.That(fewerKeys.Count, Is.EqualTo(1));
        });
    }

    [Test]
    public void Past_its_capacity_the_pool_starts_again_and_every_map_it_gives_is_still_right()
    {
        var pool = new MetadataPool();
        var kept = pool.Share(Map("k", "0"));
        for (var i = 1; i <= MetadataPool.Capacity + 10; i++)
        {
            var map = pool.Share(Map("k", i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(map["k"], Is.EqualTo(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        var later = pool.Share(Map("k", "0"));
        Assert.Multiple(() =>
        {
            Assert.That(kept["k"], Is.EqualTo("0"), "a map handed out before the reset is untouched");
            Assert.That(later, Is.Not.SameAs(kept), "after the reset equal maps are shared anew, so the pool stays bounded");
            Assert.That(pool.Share(Map("k", "0")), Is.SameAs(later));
        });
    }

    [Test]
    public void Names_are_shared_by_value()
    {
        var pool = new MetadataPool();
        var first = pool.Share(new string("DEFAULT".AsSpan()));
        Assert.That(pool.Share(new string("DEFAULT".AsSpan())), Is.SameAs(first));
    }

    [Test]
    public void Replicas_of_instances_with_equal_metadata_share_it_and_keep_their_own_stamps()
    {
        var options = new NacosSync.Core.Options.SyncTaskOptions { Source = "src", Target = "dst" };
        var mapper = new NamingMapper(new ReplicaOwner("task", "src-id"), options);
        var service = new ServiceKey("public", "DEFAULT_GROUP", "svc");
        NamingInstance Source(string ip) => new(new InstanceKey(service, new string("DEFAULT".AsSpan()), ip, 80), 1, true, true, true, Map("zone", "z1"));

        var a = mapper.ToReplica(Source("10.0.0.1"))!;
        var b = mapper.ToReplica(Source("10.0.0.2"))!;
        Assert.Multiple(() =>
        {
            Assert.That(b.Metadata, Is.SameAs(a.Metadata), "one metadata map for both replicas");
            Assert.That(b.Key.Cluster, Is.SameAs(a.Key.Cluster), "one cluster name");
            Assert.That(a.Metadata["zone"], Is.EqualTo("z1"));
            Assert.That(ReplicaOwner.IsReplica(a.Metadata), Is.True, "the owner stamp is part of the shared map");
            Assert.That(a.Key.Ip, Is.EqualTo("10.0.0.1"));
        });
    }
}
