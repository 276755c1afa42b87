using System.Net.Http.Json;
using NacosSync.IntegrationTests.Infrastructure;

namespace NacosSync.IntegrationTests.Sandbox;

/// <summary>
/// The sandbox counts what each node serves (HTTP and gRPC) for the benchmark harness (bench/NacosSync.Bench), which
/// measures a client's cost from outside. Not a Nacos API; these tests hold it to counting each request once, on the
/// node that served it, and not counting its own reads.
/// </summary>
[TestFixture]
internal sealed class SandboxRequestCounterTests
{
    [Test]
    public async Task Each_node_counts_the_http_and_grpc_requests_it_served_and_not_the_counter_reads()
    {
        await using var cluster = await SandboxTestKit.StartAsync(nodes: 2);
        using var http0 = SandboxTestKit.Client(cluster.Nodes[0]);
        using var http1 = SandboxTestKit.Client(cluster.Nodes[1]);
        await using var grpc = await GrpcTestClient.ConnectAsync(cluster.Nodes[1]);

        await http0.GetJsonAsync("/nacos/v1/ns/instance/list?serviceName=svc");
        await http0.GetJsonAsync("/nacos/v1/ns/instance/list?serviceName=svc");
        await GrpcNaming.RegisterAsync(grpc, "svc", "10.0.0.1", 8080);
        var first0 = (await http0.GetFromJsonAsync<Dictionary<string, long>>(new Uri("/sandbox/requests", UriKind.Relative)))!;
        var second0 = (await http0.GetFromJsonAsync<Dictionary<string, long>>(new Uri("/sandbox/requests", UriKind.Relative)))!;
        var counts1 = (await http1.GetFromJsonAsync<Dictionary<string, long>>(new Uri("/sandbox/requests", UriKind.Relative)))!;

        Assert.Multiple(() =>
        {
            Assert.That(first0["http GET /nacos/v1/ns/instance/list"], Is.EqualTo(2), "two lists on node 0, the query string not part of the key");
            Assert.That(first0.Keys.Where(k => k.StartsWith("grpc", StringComparison.Ordinal)), Is.Empty, "the gRPC client talked to node 1 only");
            Assert.That(second0, Is.EqualTo(first0), "reading the counts is not itself counted");
            Assert.That(counts1.GetValueOrDefault("grpc InstanceRequest"), Is.EqualTo(1), "the unary register, on the node that served it");
            Assert.That(counts1.GetValueOrDefault("grpc ServerCheckRequest"), Is.GreaterThanOrEqualTo(1), "the connection's server check is a request too");
            Assert.That(counts1.GetValueOrDefault("grpc-stream ConnectionSetupRequest"), Is.EqualTo(1), "the bi-stream's setup message");
            Assert.That(counts1.Keys.Where(k => k.StartsWith("http GET /nacos/v1/ns/instance/list", StringComparison.Ordinal)), Is.Empty);
        });
    }
}
