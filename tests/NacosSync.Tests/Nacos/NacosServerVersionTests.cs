using System.Net;
using Microsoft.Extensions.Time.Testing;
using NacosSync.Nacos.Transport;

namespace NacosSync.Tests.Nacos;

/// <summary>How the transport reads a cluster's version (reference §1, §8), how long it trusts it, and that it never guesses.</summary>
[TestFixture]
internal sealed class NacosServerVersionTests
{
    private const string V1State = "/nacos/v1/console/server/state";
    private const string V3State = "/nacos/v3/admin/core/state";

    private static NacosTransport Transport(FakeNacosHandler handler, TimeProvider time) => new(
        new NacosTransportOptions { Name = "src", Servers = [new Uri("http://10.0.0.1:8848")], RetryDelay = TimeSpan.FromMilliseconds(1), MaxRetries = 0 },
        new HttpClient(handler), time);

    private static HttpResponseMessage State(string version) =>
        FakeNacosHandler.Text(HttpStatusCode.OK, $"{{\"version\":\"{version}\",\"standalone_mode\":\"cluster\"}}");

    /// <summary>Reads of the version: the v3 state and, where that is 404, the v1 state, one pair per read at most.</summary>
    private static int StateReads(FakeNacosHandler handler) => handler.Requests.Count(r => r.Uri.AbsolutePath is V1State or V3State);

    [Test]
    public async Task The_version_is_read_again_once_it_is_older_than_five_minutes()
    {
        var time = new FakeTimeProvider();
        var served = "2.4.3";
        var handler = new FakeNacosHandler((_, _) => State(served));
        using var transport = Transport(handler, time);

        var first = await transport.GetServerVersionAsync(CancellationToken.None);
        served = "3.0.3";
        time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        var withinTtl = await transport.GetServerVersionAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1));
        var afterTtl = await transport.GetServerVersionAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That((first.Major, withinTtl.Major), Is.EqualTo((2, 2)), "within five minutes the version read is trusted");
            Assert.That(afterTtl.Major, Is.EqualTo(3), "a cluster upgraded under a running daemon is seen once the read is five minutes old");
            Assert.That(StateReads(handler), Is.EqualTo(2), "one read per five minutes, not one per call");
        });
    }

    [Test]
    public async Task The_version_is_read_again_after_no_node_of_the_cluster_answered()
    {
        var time = new FakeTimeProvider();
        var served = "2.4.3";
        var down = false;
        var handler = new FakeNacosHandler((request, _) => down
            ? throw new HttpRequestException("connection refused")
            : request.RequestUri!.AbsolutePath == V1State ? State(served) : FakeNacosHandler.Text(HttpStatusCode.OK, "ok"));
        using var transport = Transport(handler, time);

        var before = await transport.GetServerVersionAsync(CancellationToken.None);
        down = true;
        Assert.ThrowsAsync<NacosUnreachableException>(() => transport.SendAsync(NacosRequest.Get("/v1/ns/service/list"), CancellationToken.None));
        down = false;
        served = "3.0.3";
        var after = await transport.GetServerVersionAsync(CancellationToken.None);

        Assert.That((before.Major, after.Major), Is.EqualTo((2, 3)), "a cluster that was unreachable may have come back on another version: read it again");
    }

    [Test]
    public void A_server_state_without_a_version_is_an_error_naming_the_cluster_not_an_assumed_2_4()
    {
        var handler = new FakeNacosHandler((_, _) => FakeNacosHandler.Text(HttpStatusCode.OK, "{\"standalone_mode\":\"cluster\"}"));
        using var transport = Transport(handler, new FakeTimeProvider());

        var ex = Assert.ThrowsAsync<NacosVersionUnknownException>(() => transport.GetServerVersionAsync(CancellationToken.None),
            "a version that cannot be read must not be guessed: the API and the public tenant depend on it");

        Assert.That(ex!.Message, Does.Contain("src").And.Contain("version"), "the error names the cluster and what could not be read");
    }

    [Test]
    public void A_failing_server_state_is_an_error_naming_the_cluster()
    {
        var handler = new FakeNacosHandler((_, _) => FakeNacosHandler.Text(HttpStatusCode.InternalServerError, "boom"));
        using var transport = Transport(handler, new FakeTimeProvider());

        var ex = Assert.ThrowsAsync<NacosVersionUnknownException>(() => transport.GetServerVersionAsync(CancellationToken.None));

        Assert.That(ex!.Message, Does.Contain("src").And.Contain("version"), "the error names the cluster whose version is unknown");
    }

    [Test]
    public void A_404_from_both_state_endpoints_is_an_error_not_an_assumed_3_0()
    {
        // A wrong ContextPath answers 404 everywhere: that proves nothing about the version.
        var handler = new FakeNacosHandler((_, _) => FakeNacosHandler.Text(HttpStatusCode.NotFound, "not found"));
        using var transport = Transport(handler, new FakeTimeProvider());

        Assert.ThrowsAsync<NacosVersionUnknownException>(() => transport.GetServerVersionAsync(CancellationToken.None),
            "404 on /v1/console/server/state and /v3/admin/core/state is no proof of 3.x");
        Assert.That(handler.Requests.Select(r => r.Uri.AbsolutePath), Is.EqualTo(new[] { V3State, V1State }),
            "both endpoints were asked, v3 first: on 3.2+ the v1 one is 404 (reference §8)");
    }

    [Test]
    public async Task A_3_2_server_is_read_from_the_v3_admin_state_after_the_v1_console_answers_404()
    {
        var handler = new FakeNacosHandler((request, _) => request.RequestUri!.AbsolutePath == V3State
            ? FakeNacosHandler.Text(HttpStatusCode.OK, "{\"code\":0,\"message\":\"success\",\"data\":{\"version\":\"3.2.1\"}}")
            : FakeNacosHandler.Text(HttpStatusCode.NotFound, "not found"));
        using var transport = Transport(handler, new FakeTimeProvider());

        var version = await transport.GetServerVersionAsync(CancellationToken.None);

        Assert.That((version.Major, version.Minor, version.Patch), Is.EqualTo((3, 2, 1)), "3.2+ removed the v1 APIs (reference §8)");
    }
}
