using System.Net;
using NacosSync.Core.Naming;
using NacosSync.Nacos.Naming;
using NacosSync.Nacos.Transport;

namespace NacosSync.Tests.Nacos;

/// <summary>
/// Version detection across the lines and 3.x auth as shipped (reference §1, §8). Shapes from alibaba/nacos sources:
/// <c>core/.../controller/v3/ServerStateController.java</c> (no <c>@Secured</c>: open), <c>plugin-default-impl/.../controller/v3/UserControllerV3.java</c>
/// (login: <c>{accessToken, tokenTtl, globalAdmin, username}</c>), <c>core/.../auth/AbstractWebAuthFilter.java</c> (refusal: HTTP 403 + Spring error body).
/// </summary>
[TestFixture]
internal sealed class NacosV3AuthTests
{
    private static readonly NamingInstance Replica = new(new InstanceKey(new ServiceKey("public", "DEFAULT_GROUP", "orders"), "DEFAULT", "10.0.0.7", 8080),
        1, Enabled: true, Healthy: true, Ephemeral: true, new Dictionary<string, string>(StringComparer.Ordinal));

    private static NacosTransport Transport(FakeNacosHandler handler, string? user = null, string? identity = null) => new(new NacosTransportOptions
    {
        Name = "target", Servers = [new Uri("http://10.0.0.1:8848")], Username = user, Password = user is null ? null : "pw", MaxRetries = 0,
        IdentityKey = identity is null ? null : "serverIdentity", IdentityValue = identity,
    }, new HttpClient(handler));

    private static HttpResponseMessage Forbidden(string message) => FakeNacosHandler.Text(HttpStatusCode.Forbidden,
        $$"""{"timestamp":"2026-11-01T10:00:00.000+00:00","status":403,"error":"Forbidden","message":"{{message}}","path":"/nacos/v3/client/ns/instance"}""");

    [TestCase("1.4.8", 1)]
    [TestCase("2.4.3", 2)]
    public async Task A_1_x_or_2_x_server_answers_404_for_the_v3_state_and_is_read_from_the_v1_state(string version, int major)
    {
        var handler = new FakeNacosHandler((request, _) => request.RequestUri!.AbsolutePath == "/nacos/v1/console/server/state"
            ? FakeNacosHandler.Text(HttpStatusCode.OK, $"{{\"version\":\"{version}\",\"standalone_mode\":\"cluster\"}}")
            // 1.4 and 2.x have no /v3 controllers: Spring's 404.
            : FakeNacosHandler.Text(HttpStatusCode.NotFound, """{"timestamp":"2026-11-01T10:00:00.000+00:00","status":404,"error":"Not Found","path":"/nacos/v3/admin/core/state"}"""));
        using var transport = Transport(handler);

        var read = await transport.GetServerVersionAsync(CancellationToken.None);

        Assert.That((read.Major, read.HttpApi), Is.EqualTo((major, NacosHttpApi.V1)));
    }

    [TestCase("3.0.3", NacosHttpApi.V1ClientV3Admin)]
    [TestCase("3.1.0", NacosHttpApi.V1ClientV3Admin)]
    [TestCase("3.2.0", NacosHttpApi.V3)]
    [TestCase("3.3.0", NacosHttpApi.V3)]
    public async Task A_3_x_server_is_read_from_the_open_v3_state_alone(string version, NacosHttpApi api)
    {
        // ServerStateController.serverState: Result.success(NacosServerStateService.getServerState()), the same on 3.0.3 and later.
        var recorder = new FakeNacosHandler((_, _) => FakeNacosHandler.Text(HttpStatusCode.OK,
            $$$"""{"code":0,"message":"success","data":{"version":"{{{version}}}","standalone_mode":"cluster","function_mode":null,"auth_enabled":"true"}}"""));
        using var transport = Transport(recorder, user: "admin");

        var read = await transport.GetServerVersionAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(read.HttpApi, Is.EqualTo(api));
            Assert.That(recorder.Requests.Select(r => r.Uri.AbsolutePath), Is.EqualTo(new[] { "/nacos/v3/admin/core/state" }), "one read; no login for it");
            Assert.That(recorder.Requests.Single().Uri.Query, Does.Not.Contain("accessToken"), "the state endpoint is not secured");
        });
    }

    [Test]
    public async Task A_cluster_upgraded_in_place_from_2_4_to_3_3_is_spoken_to_in_v3_once_the_version_read_is_five_minutes_old()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var version = "2.4.3";
        var handler = new FakeNacosHandler((request, _) => request.RequestUri!.AbsolutePath switch
        {
            "/nacos/v3/admin/core/state" when version.StartsWith('2') => FakeNacosHandler.Text(HttpStatusCode.NotFound, "{\"status\":404}"),
            "/nacos/v3/admin/core/state" => FakeNacosHandler.Text(HttpStatusCode.OK, $"{{\"code\":0,\"message\":\"success\",\"data\":{{\"version\":\"{version}\"}}}}"),
            "/nacos/v1/console/server/state" => FakeNacosHandler.Text(HttpStatusCode.OK, $"{{\"version\":\"{version}\"}}"),
            "/nacos/v3/client/ns/instance" => FakeNacosHandler.Text(HttpStatusCode.OK, """{"code":0,"message":"success","data":"ok"}"""),
            _ => FakeNacosHandler.Text(HttpStatusCode.OK, "ok"),
        });
        var client = new NacosNamingClient(new NacosTransport(
            new NacosTransportOptions { Name = "target", Servers = [new Uri("http://10.0.0.1:8848")], MaxRetries = 0 }, new HttpClient(handler), time));

        await client.RegisterAsync(Replica, CancellationToken.None);
        version = "3.3.0";
        await client.RegisterAsync(Replica, CancellationToken.None);
        time.Advance(NacosServerVersionCache.Ttl);
        await client.RegisterAsync(Replica, CancellationToken.None);

        Assert.That(handler.Requests.Where(r => !r.Uri.AbsolutePath.EndsWith("/state", StringComparison.Ordinal)).Select(r => r.Uri.AbsolutePath), Is.EqualTo(new[]
        {
            "/nacos/v1/ns/instance", "/nacos/v1/ns/instance", "/nacos/v3/client/ns/instance",
        }), "the dialect follows the version read: trusted for its TTL, then read again (3.2+ has no v1)");
    }

    [Test]
    public async Task On_3_3_the_client_logs_in_through_the_v3_login_and_sends_the_token_on_client_calls()
    {
        var handler = FakeNacosHandler.Serving("3.3.0", (request, _) => request.RequestUri!.AbsolutePath == "/nacos/v3/auth/user/login"
            ? FakeNacosHandler.Text(HttpStatusCode.OK, """{"accessToken":"tok-1","tokenTtl":18000,"globalAdmin":true,"username":"admin"}""")
            : request.RequestUri.Query.Contains("accessToken=tok-1", StringComparison.Ordinal)
                ? FakeNacosHandler.Text(HttpStatusCode.OK, """{"code":0,"message":"success","data":"ok"}""")
                : Forbidden("user not found!"));
        var client = new NacosNamingClient(Transport(handler, user: "admin"));

        await client.RegisterAsync(Replica, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(handler.Requests.Select(r => r.Uri.AbsolutePath), Is.EqualTo(new[] { "/nacos/v3/auth/user/login", "/nacos/v3/client/ns/instance" }));
            Assert.That(handler.Requests[0].Body, Does.Contain("username=admin").And.Contain("password=pw"), "AbstractAuthenticationManager reads username and password parameters");
        });
    }

    [Test]
    public void On_3_3_a_refused_client_call_without_credentials_names_the_cluster_and_the_keys_to_set()
    {
        var handler = FakeNacosHandler.Serving("3.3.0", (_, _) => Forbidden("user not found!"));
        var client = new NacosNamingClient(Transport(handler));

        var ex = Assert.ThrowsAsync<NacosUnauthorizedException>(() => client.RegisterAsync(Replica, CancellationToken.None));

        Assert.That(ex!.Message, Does.StartWith("Clusters:target: Nacos 3.3.0 requires a token for client APIs")
            .And.Contain("set Clusters:target:Username and Password"), "not a bare 403: the missing credential and the cluster are named");
    }

    [Test]
    public void On_3_0_a_refused_admin_call_without_credentials_asks_for_an_admin_user_or_the_server_identity()
    {
        var handler = FakeNacosHandler.Serving("3.0.3", (_, _) => Forbidden("authorization failed!"));
        var client = new NacosNamingClient(Transport(handler));

        var ex = Assert.ThrowsAsync<NacosUnauthorizedException>(() => client.ListNamespacesAsync(CancellationToken.None));

        Assert.That(ex!.Message, Does.Contain("Nacos 3.0.3 requires an admin user's token for admin APIs").And.Contain("ROLE_ADMIN")
            .And.Contain("Clusters:target:IdentityKey and IdentityValue"), "3.x admin auth is on by default and there is no default user (reference §8)");
    }

    [Test]
    public void A_refused_local_cache_refresh_asks_for_the_server_identity()
    {
        var handler = FakeNacosHandler.Serving("3.2.0", (_, _) => Forbidden("Invalid server identity key or value, Please make sure set `nacos.core.auth.server.identity.key`"));
        using var transport = Transport(handler);
        var client = new NacosSync.Nacos.Config.NacosConfigClient(transport);

        var ex = Assert.ThrowsAsync<NacosUnauthorizedException>(async () =>
            await client.RefreshLocalCacheAsync(new Uri("http://10.0.0.1:8848"), await transport.GetServerVersionAsync(CancellationToken.None), CancellationToken.None));

        Assert.That(ex!.Message, Does.Contain("requires the server identity or an admin user's token").And.Contain("Clusters:target:IdentityKey"));
    }
}
