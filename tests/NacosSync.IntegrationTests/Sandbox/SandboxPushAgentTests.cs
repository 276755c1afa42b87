using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using NacosSync.IntegrationTests.Infrastructure;

namespace NacosSync.IntegrationTests.Sandbox;

/// <summary>Reference §2: UDP push goes only to a known client agent at its minimum version (<c>UdpPushService.canEnablePush</c>).</summary>
[TestFixture]
internal sealed class SandboxPushAgentTests
{
    private static async Task<(JsonNode Info, int Subscriptions)> ListWithUdpAsync(string? userAgent, string? clientVersion = null)
    {
        await using var cluster = await SandboxTestKit.StartAsync(clock: new FakeTimeProvider());
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        if (userAgent is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", userAgent);
        }

        if (clientVersion is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Client-Version", clientVersion);
        }

        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
        var info = await client.GetJsonAsync($"/nacos/v1/ns/instance/list?serviceName=agent&udpPort={port}&clientIP=127.0.0.1");
        return (info, cluster.Push.SubscriptionCount);
    }

    [TestCase(null, TestName = "A list call without an agent is answered but subscribes nothing")]
    [TestCase("NacosSync/1.0", TestName = "A list call from an unknown agent is answered but subscribes nothing")]
    [TestCase("Nacos-CSharp-Client:v0.8.9", TestName = "A list call from a C# client older than 0.9.0 is answered but subscribes nothing")]
    [TestCase("Nacos-C-Client:v1.0.11", TestName = "A list call from a C client older than 1.0.12 is answered but subscribes nothing")]
    public async Task Refused(string? agent)
    {
        var (info, subscriptions) = await ListWithUdpAsync(agent);

        Assert.Multiple(() =>
        {
            Assert.That((string?)info["name"], Is.EqualTo("DEFAULT_GROUP@@agent"), "the list call itself is answered");
            Assert.That(subscriptions, Is.Zero, "Nacos pushes only to a known client at its minimum version");
            Assert.That((int?)info["cacheMillis"], Is.EqualTo(3000), "a client Nacos will not push to is told to poll (the default cache time)");
        });
    }

    [TestCase("Nacos-CSharp-Client:v0.9.0", null, TestName = "A C# client at 0.9.0 is subscribed")]
    [TestCase("Nacos-Java-Client:v1.0.0", null, TestName = "A Java client (the Node client's agent) is subscribed")]
    [TestCase("Nacos-DNS:v0.4.3", null, TestName = "A DNS client at 0.4.3 is subscribed")]
    [TestCase("NacosSync/1.0", "Nacos-Go-Client:v0.1.0", TestName = "Client-Version is read before User-Agent")]
    public async Task Accepted(string userAgent, string? clientVersion)
    {
        var (info, subscriptions) = await ListWithUdpAsync(userAgent, clientVersion);

        Assert.Multiple(() =>
        {
            Assert.That(subscriptions, Is.EqualTo(1), "a known agent at its minimum version is subscribed");
            Assert.That((int?)info["cacheMillis"], Is.EqualTo(10000), "and told the push cache time");
        });
    }
}
