using System.Text.Json;
using NacosSync.Core.Naming;
using NacosSync.Nacos.Naming;

namespace NacosSync.Tests.Nacos;

/// <summary>
/// How an instance's metadata is read from a naming answer: every key and value as the server sent it (a non-string
/// value as its JSON text), equal maps shared between instances (a full run holds a namespace of them), none made for
/// an instance without metadata.
/// </summary>
[TestFixture]
internal sealed class NamingJsonTests
{
    private static readonly ServiceKey Orders = new("public", "DEFAULT_GROUP", "orders");

    private static NamingInstance Read(string host)
    {
        using var document = JsonDocument.Parse(host);
        return NamingJson.Instance(Orders, document.RootElement, "DEFAULT", defaultEphemeral: true, "test answer");
    }

    [Test]
    public void Equal_metadata_of_two_instances_is_one_shared_map_with_every_value_as_sent()
    {
        var first = Read("""{"ip":"10.0.0.1","port":80,"metadata":{"zone":"z1","build":7,"owner":"sync-a"}}""");
        var second = Read("""{"ip":"10.0.0.2","port":80,"metadata":{"owner":"sync-a","zone":"z1","build":7}}""");
        var other = Read("""{"ip":"10.0.0.3","port":80,"metadata":{"zone":"z2","build":7,"owner":"sync-a"}}""");
        Assert.Multiple(() =>
        {
            Assert.That(first.Metadata, Is.EquivalentTo(new Dictionary<string, string> { ["zone"] = "z1", ["build"] = "7", ["owner"] = "sync-a" }));
            Assert.That(second.Metadata, Is.SameAs(first.Metadata), "same content in another order: one map");
            Assert.That(other.Metadata, Is.Not.SameAs(first.Metadata), "one value differs");
            Assert.That(other.Metadata["zone"], Is.EqualTo("z2"));
        });
    }

    [Test]
    public void An_instance_without_metadata_or_with_an_empty_map_reads_as_no_metadata()
    {
        var absent = Read("""{"ip":"10.0.0.1","port":80}""");
        var empty = Read("""{"ip":"10.0.0.2","port":80,"metadata":{}}""");
        var notAnObject = Read("""{"ip":"10.0.0.3","port":80,"metadata":"zone=z1"}""");
        Assert.Multiple(() =>
        {
            Assert.That(absent.Metadata, Is.Empty);
            Assert.That(empty.Metadata, Is.Empty);
            Assert.That(notAnObject.Metadata, Is.Empty);
            Assert.That(absent.Metadata, Is.SameAs(NamingInstance.NoMetadata));
        });
    }

    [Test]
    public void The_cluster_is_the_hosts_own_clusterName_or_else_the_one_it_was_listed_under()
    {
        var named = Read("""{"ip":"10.0.0.1","port":80,"clusterName":"blue"}""");
        var listed = Read("""{"ip":"10.0.0.2","port":80}""");
        Assert.Multiple(() =>
        {
            Assert.That(named.Key.Cluster, Is.EqualTo("blue"));
            Assert.That(listed.Key.Cluster, Is.EqualTo("DEFAULT"));
        });
    }
}
