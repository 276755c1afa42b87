using System.Net;
using System.Net.Sockets;
using NacosSync.Nacos.Transport;

namespace NacosSync.Tests.Nacos;

[TestFixture]
public sealed class NacosTransportTests
{
    private static readonly Uri NodeA = new("http://10.0.0.1:8848");
    private static readonly Uri NodeB = new("http://10.0.0.2:8848");
    private static readonly string[] Identity = ["security"];

    private static NacosTransport Transport(FakeNacosHandler handler, string? user = null) => new(
        new NacosTransportOptions { Name = "src", Servers = [NodeA, NodeB], Username = user, Password = "pw", IdentityKey = "serverIdentity", IdentityValue = "security", RetryDelay = TimeSpan.FromMilliseconds(1) },
        new HttpClient(handler));

    [Test]
    public async Task A_refused_connection_fails_over_to_the_next_node_and_remembers_it()
    {
        var handler = new FakeNacosHandler((request, _) => request.RequestUri!.Host == "10.0.0.1"
            ? throw new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused))
            : FakeNacosHandler.Text(HttpStatusCode.OK, "ok"));
        using var transport = Transport(handler);

        var first = await transport.SendAsync(NacosRequest.Get("/v1/ns/service/list"), CancellationToken.None);
        var second = await transport.SendAsync(NacosRequest.Get("/v1/ns/service/list"), CancellationToken.None);

        Assert.That(first.Node, Is.EqualTo(NodeB), "the second node answers when the first refuses");
        Assert.That(second.Node, Is.EqualTo(NodeB));
        Assert.That(handler.Requests.Count(r => r.Uri.Host == "10.0.0.1"), Is.EqualTo(1), "the failed node is not tried first again");
    }

    [Test]
    public async Task Login_token_is_sent_as_accessToken_and_a_403_logs_in_once_more()
    {
        var logins = 0;
        var handler = FakeNacosHandler.Serving("2.4.3", (request, _) =>
        {
            if (request.RequestUri!.AbsolutePath == "/nacos/v1/auth/login")
            {
                logins++;
                return FakeNacosHandler.Text(HttpStatusCode.OK, $"{{\"accessToken\":\"t{logins}\",\"tokenTtl\":18000,\"globalAdmin\":true}}");
            }

            return request.RequestUri.Query.Contains("accessToken=t2", StringComparison.Ordinal)
                ? FakeNacosHandler.Text(HttpStatusCode.OK, "ok")
                : FakeNacosHandler.Text(HttpStatusCode.Forbidden, "{\"status\":403,\"error\":\"Forbidden\",\"message\":\"token expired!\"}");
        });
        using var transport = Transport(handler, user: "nacos");

        var response = await transport.SendAsync(NacosRequest.Get("/v1/ns/instance/list", KeyValuePair.Create("serviceName", "a")), CancellationToken.None);

        Assert.That(response.Body, Is.EqualTo("ok"), "the request succeeds with the second token");
        Assert.That(logins, Is.EqualTo(2), "one login, then one more after the 403");
    }

    [Test]
    public void A_400_is_a_rejection_carrying_the_server_message_and_is_not_retried()
    {
        var handler = new FakeNacosHandler((_, _) => FakeNacosHandler.Text(HttpStatusCode.BadRequest,
            "caused: Current service DEFAULT_GROUP@@x is persistent service, can't register ephemeral instance.;"));
        using var transport = Transport(handler);

        var ex = Assert.ThrowsAsync<NacosRejectedException>(() => transport.SendAsync(
            NacosRequest.Post("/v1/ns/instance", idempotent: true, KeyValuePair.Create("ip", "1.1.1.1")), CancellationToken.None));

        Assert.That(ex!.ServerMessage, Does.Contain("persistent service"), "the caller sees what the server said");
        Assert.That(ex.StatusCode, Is.EqualTo(400));
        Assert.That(handler.Requests, Has.Count.EqualTo(1), "a rejection is final: no other node, no retry");
    }

    [Test]
    public void Every_node_failing_is_unreachable_after_the_retries()
    {
        var handler = new FakeNacosHandler((_, _) => throw new HttpRequestException("reset"));
        using var transport = Transport(handler);

        Assert.ThrowsAsync<NacosUnreachableException>(() => transport.SendAsync(NacosRequest.Get("/v1/ns/service/list"), CancellationToken.None),
            "no node answered");
        Assert.That(handler.Requests, Has.Count.EqualTo(6), "two nodes per round, three rounds (two retries)");
    }

    [Test]
    public void A_non_idempotent_write_is_neither_retried_nor_sent_to_another_node_after_a_5xx()
    {
        var handler = new FakeNacosHandler((_, _) => FakeNacosHandler.Text(HttpStatusCode.InternalServerError, "boom"));
        using var transport = Transport(handler);

        Assert.ThrowsAsync<NacosRejectedException>(() => transport.SendAsync(
            NacosRequest.Post("/v1/cs/configs", idempotent: false, KeyValuePair.Create("dataId", "a")), CancellationToken.None));
        Assert.That(handler.Requests, Has.Count.EqualTo(1), "the write may have been applied; it is not repeated");
    }

    [Test]
    public async Task Identity_header_is_sent_and_the_version_is_read_from_server_state()
    {
        var handler = new FakeNacosHandler((request, _) =>
        {
            Assert.That(request.Headers.GetValues("serverIdentity"), Is.EqualTo(Identity), "the identity header goes on every request");
            return FakeNacosHandler.Text(HttpStatusCode.OK, "{\"version\":\"1.4.8\",\"standalone_mode\":\"cluster\"}");
        });
        using var transport = Transport(handler);

        var version = await transport.GetServerVersionAsync(CancellationToken.None);

        Assert.That((version.Major, version.Minor, version.Patch), Is.EqualTo((1, 4, 8)));
        Assert.That(version.AllowsMixedEphemeral, Is.True, "1.x allows ephemeral and persistent in one service");
    }

    [Test]
    public async Task A_410_from_the_v1_console_means_version_3()
    {
        var handler = new FakeNacosHandler((_, _) => FakeNacosHandler.Text(HttpStatusCode.Gone, "gone"));
        using var transport = Transport(handler);

        var version = await transport.GetServerVersionAsync(CancellationToken.None);

        Assert.That(version.Major, Is.EqualTo(3));
        Assert.That(version.HasConsoleCatalog, Is.False, "3.0 closes the console catalog");
    }
}
