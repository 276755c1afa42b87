using System.Text.Json.Nodes;
using NacosSync.IntegrationTests.Infrastructure;

namespace NacosSync.IntegrationTests.Sandbox;

/// <summary>
/// How one service's instance list is built from several clients, as alibaba/nacos 2.1.1–3.0.3
/// naming/core/v2/index/ServiceStorage.getAllInstancesFromIndex builds it: every client's published instances go into a
/// <c>HashSet&lt;Instance&gt;</c>, and api/naming/pojo/Instance.equals/hashCode compare <c>toString()</c> (every attribute,
/// metadata included). Equal instances from two connections show once; one attribute apart, both show.
/// </summary>
[TestFixture]
internal sealed class SandboxReplicaMergeTests
{
    [Test]
    public async Task Equal_instances_from_two_connections_show_once_and_stay_when_one_connection_drops()
    {
        await using var cluster = await SandboxTestKit.StartAsync(nodes: 2);
        var owner = await GrpcTestClient.ConnectAsync(cluster.Nodes[0]);
        await using var standby = await GrpcTestClient.ConnectAsync(cluster.Nodes[1]);
        using var http = SandboxTestKit.Client(cluster.Nodes[0]);
        await GrpcNaming.BatchRegisterAsync(owner, "svc", ("10.0.0.1", 80), ("10.0.0.2", 80));
        await GrpcNaming.BatchRegisterAsync(standby, "svc", ("10.0.0.2", 80), ("10.0.0.1", 80));

        var both = await http.GetJsonAsync("/nacos/v1/ns/instance/list?serviceName=svc");
        await owner.DisposeAsync();
        await Poll.UntilAsync(() => cluster.Nodes[0].GrpcConnectionCount + cluster.Nodes[1].GrpcConnectionCount == 1, "the owner's connection is gone");
        var afterDrop = await http.GetJsonAsync("/nacos/v1/ns/instance/list?serviceName=svc");

        Assert.Multiple(() =>
        {
            Assert.That(GrpcNaming.Hosts(both), Is.EqualTo(new[] { "10.0.0.1:80", "10.0.0.2:80" }), "equal instances of two clients collapse in the HashSet");
            Assert.That(GrpcNaming.Hosts(afterDrop), Is.EqualTo(new[] { "10.0.0.1:80", "10.0.0.2:80" }), "the other connection still publishes them");
        });
    }

    [Test]
    public async Task Instances_that_differ_in_one_attribute_show_twice_at_the_same_address()
    {
        await using var cluster = await SandboxTestKit.StartAsync(nodes: 1);
        await using var first = await GrpcTestClient.ConnectAsync(cluster.Nodes[0]);
        await using var second = await GrpcTestClient.ConnectAsync(cluster.Nodes[0]);
        using var http = SandboxTestKit.Client(cluster.Nodes[0]);
        await GrpcNaming.BatchRegisterAsync(first, "svc", ("10.0.0.1", 80));
        var heavier = GrpcNaming.Instance("10.0.0.1", 80);
        heavier["weight"] = 2.0;
        var answer = await second.RequestAsync("BatchInstanceRequest",
            GrpcNaming.Base("svc", new JsonObject { ["type"] = "batchRegisterInstance", ["instances"] = new JsonArray(heavier) }));
        Assert.That((int?)answer.Body["resultCode"], Is.EqualTo(200), answer.Body.ToJsonString());

        var list = await http.GetJsonAsync("/nacos/v1/ns/instance/list?serviceName=svc");
        var weights = list!["hosts"]!.AsArray().Select(h => (double)h!["weight"]!).Order().ToList();

        Assert.That(weights, Is.EqualTo(new[] { 1.0, 2.0 }), "Instance.toString differs in weight: both are listed, at one ip:port (a consumer sees a duplicate)");
    }
}
