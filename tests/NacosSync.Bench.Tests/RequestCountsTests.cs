using NacosSync.Bench.Measure;

namespace NacosSync.Bench.Tests;

[TestFixture]
public sealed class RequestCountsTests
{
    [TestCase("http POST /nacos/v1/ns/instance", true)]
    [TestCase("http PUT /nacos/v1/ns/instance", true)]
    [TestCase("http DELETE /nacos/v2/ns/instance", true)]
    [TestCase("grpc InstanceRequest", true)]
    [TestCase("grpc BatchInstanceRequest", true)]
    [TestCase("grpc PersistentInstanceRequest", true)]
    [TestCase("http PUT /nacos/v1/ns/instance/beat", false)]
    [TestCase("http GET /nacos/v1/ns/instance/list", false)]
    [TestCase("http GET /nacos/v1/ns/instance", false)]
    [TestCase("grpc ServiceQueryRequest", false)]
    [TestCase("grpc-stream InstanceRequest", false)]
    [TestCase("http POST /nacos/v1/cs/configs", false)]
    public void Naming_writes_are_instance_writes_without_heartbeats_or_reads(string key, bool write) =>
        Assert.That(RequestCounts.IsNamingWrite(key), Is.EqualTo(write));

    [Test]
    public void Nodes_are_summed_and_since_counts_only_what_came_after()
    {
        var before = RequestCounts.Sum([
            new Dictionary<string, long> { ["http PUT /nacos/v1/ns/instance/beat"] = 10, ["grpc InstanceRequest"] = 1 },
            new Dictionary<string, long> { ["http PUT /nacos/v1/ns/instance/beat"] = 5 },
        ]);
        var after = RequestCounts.Sum([
            new Dictionary<string, long> { ["http PUT /nacos/v1/ns/instance/beat"] = 30, ["grpc InstanceRequest"] = 4 },
            new Dictionary<string, long> { ["http PUT /nacos/v1/ns/instance/beat"] = 5, ["http POST /nacos/v1/ns/instance"] = 2 },
        ]);
        var delta = after.Since(before);
        Assert.That(before.Total, Is.EqualTo(16));
        Assert.That(delta.Total, Is.EqualTo(25), "20 beats + 3 gRPC + 2 HTTP registrations");
        Assert.That(delta.NamingWrites, Is.EqualTo(5));
        Assert.That(delta.Top(1)[0], Is.EqualTo(new KeyValuePair<string, long>("http PUT /nacos/v1/ns/instance/beat", 20)));
    }
}
