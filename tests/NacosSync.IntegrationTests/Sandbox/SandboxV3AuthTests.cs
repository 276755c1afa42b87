using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Sandbox;

/// <summary>
/// 3.x auth as shipped (reference §8): admin and console auth on, no default user (UserControllerV3.createAdminUser
/// makes the first admin), client auth off through 3.2 and on by default from 3.3. Refusals are AbstractWebAuthFilter's
/// <c>sendError(403, AuthResult.format())</c>; the console listens on its own port (nacos-console.properties).
/// </summary>
[TestFixture]
internal sealed class SandboxV3AuthTests
{
    private static Dictionary<string, string> Instance() => V3SandboxKit.Form(("serviceName", "svc"), ("ip", "10.0.0.1"), ("port", "1"));

    [Test]
    public async Task Version_3_3_needs_a_token_on_the_client_api_where_3_2_is_open()
    {
        await using var v32 = await V3SandboxKit.StartAsync(NacosVersionProfile.V3_2);
        await using var v33 = await V3SandboxKit.StartAsync(NacosVersionProfile.V3_3);
        await using var v33Off = await V3SandboxKit.StartAsync(NacosVersionProfile.V3_3, configure: o => o.AuthEnabled = false);
        using var client32 = SandboxTestKit.Client(v32.Nodes[0]);
        using var client33 = SandboxTestKit.Client(v33.Nodes[0]);
        using var client33Off = SandboxTestKit.Client(v33Off.Nodes[0]);

        var open = await client32.SendAsync(HttpMethod.Post, "/nacos/v3/client/ns/instance", Instance());
        var refused = await client33.JsonAsync(HttpMethod.Post, "/nacos/v3/client/ns/instance", Instance());
        var refusedConfig = await client33.SendAsync(HttpMethod.Get, "/nacos/v3/client/cs/config?dataId=a&groupName=DEFAULT_GROUP");
        var switchedOff = await client33Off.SendAsync(HttpMethod.Post, "/nacos/v3/client/ns/instance", Instance());
        var state = await client33.GetJsonAsync("/nacos/v3/admin/core/state");

        Assert.Multiple(() =>
        {
            Assert.That(open.Status, Is.EqualTo(200), "3.2 ships nacos.core.auth.enabled=false");
            Assert.That(refused.Status, Is.EqualTo(403), "3.3: an absent nacos.core.auth.enabled means true");
            Assert.That((string?)refused.Body!["message"], Is.EqualTo("Code: 401, Message: User not found! Please check user exist or password is right!."),
                "AuthResult.format of NacosAuthPluginService.validateIdentity's 401 result");
            Assert.That(refusedConfig.Status, Is.EqualTo(403), "the client config get is an OPEN_API @Secured too");
            Assert.That(switchedOff.Status, Is.EqualTo(200), "explicitly switched off, 3.3 is open");
            Assert.That((string?)state["data"]!["auth_enabled"], Is.EqualTo("true"), "the state says so");
        });
    }

    [Test]
    public async Task The_first_admin_is_created_through_the_api_and_its_token_opens_the_admin_api()
    {
        await using var cluster = await V3SandboxKit.StartAsync(NacosVersionProfile.V3_2);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        using var identified = V3SandboxKit.AdminClient(cluster.Nodes[0]);

        var anonymous = await client.JsonAsync(HttpMethod.Get, "/nacos/v3/admin/core/namespace/list");
        var withIdentity = await identified.SendAsync(HttpMethod.Get, "/nacos/v3/admin/core/namespace/list");
        var defaultUser = await client.SendAsync(HttpMethod.Post, "/nacos/v3/auth/user/login", V3SandboxKit.Form(("username", "nacos"), ("password", "nacos")));
        var created = await client.JsonAsync(HttpMethod.Post, "/nacos/v3/auth/user/admin", V3SandboxKit.Form(("password", "s3cret")));
        var second = await client.JsonAsync(HttpMethod.Post, "/nacos/v3/auth/user/admin", V3SandboxKit.Form(("password", "other")));
        var login = await client.JsonAsync(HttpMethod.Post, "/nacos/v3/auth/user/login", V3SandboxKit.Form(("username", "nacos"), ("password", "s3cret")));
        var token = (string?)login.Body!["accessToken"];
        var withToken = await client.SendAsync(HttpMethod.Get, $"/nacos/v3/admin/core/namespace/list?accessToken={token}");
        var badToken = await client.JsonAsync(HttpMethod.Get, "/nacos/v3/admin/core/namespace/list?accessToken=forged");

        Assert.Multiple(() =>
        {
            Assert.That(anonymous.Status, Is.EqualTo(403), "admin auth is on as shipped (nacos.core.auth.admin.enabled=true)");
            Assert.That((string?)anonymous.Body!["error"], Is.EqualTo("Forbidden"), "Spring's error JSON of sendError(403)");
            Assert.That(withIdentity.Status, Is.EqualTo(200), "the server identity header passes (checkServerIdentity MATCHED)");
            Assert.That(defaultUser.Status, Is.EqualTo(403), "no default nacos/nacos user since 2.4.0");
            Assert.That((int?)created.Body!["code"], Is.Zero, "createAdminUser succeeds once");
            Assert.That((string?)created.Body["data"]!["username"], Is.EqualTo("nacos"), "AuthConstants.DEFAULT_USER");
            Assert.That((string?)created.Body["data"]!["password"], Is.EqualTo("s3cret"), "the posted password is echoed");
            Assert.That(second.Status, Is.EqualTo(200), "Result.failure is returned, not thrown");
            Assert.That((int?)second.Body!["code"], Is.EqualTo(409), "an admin exists");
            Assert.That((string?)second.Body["message"], Is.EqualTo("have admin user cannot use it."));
            Assert.That((bool?)login.Body["globalAdmin"], Is.True, "the created user is the global admin");
            Assert.That((int?)login.Body["tokenTtl"], Is.EqualTo(18000), "token TTL 18000 s");
            Assert.That(withToken.Status, Is.EqualTo(200), "its token opens the admin API");
            Assert.That((string?)badToken.Body!["message"], Is.EqualTo("Code: 401, Message: token invalid!."), "NacosSignatureAlgorithm's text, AuthResult-formatted");
        });
    }

    [Test]
    public async Task A_3_3_token_expires_after_its_ttl_and_the_refusal_says_so()
    {
        var clock = new FakeTimeProvider(Infrastructure.TestTime.Start);
        await using var cluster = await V3SandboxKit.StartAsync(NacosVersionProfile.V3_3, clock: clock);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        await client.SendAsync(HttpMethod.Post, "/nacos/v3/auth/user/admin", V3SandboxKit.Form(("password", "pw")));
        var login = await client.JsonAsync(HttpMethod.Post, "/nacos/v3/auth/user/login", V3SandboxKit.Form(("username", "nacos"), ("password", "pw")));
        using var register = new HttpRequestMessage(HttpMethod.Post, "/nacos/v3/client/ns/instance?serviceName=svc&ip=10.0.0.1&port=1");
        register.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", (string?)login.Body!["accessToken"]);
        using var fresh = await client.SendAsync(register);

        clock.Advance(TimeSpan.FromSeconds(18001));
        var expired = await client.JsonAsync(HttpMethod.Post, $"/nacos/v3/client/ns/instance?serviceName=svc&ip=10.0.0.1&port=1&accessToken={(string?)login.Body["accessToken"]}");

        Assert.Multiple(() =>
        {
            Assert.That((int)fresh.StatusCode, Is.EqualTo(200), "a Bearer token opens the client API (NacosAuthPluginService.resolveToken)");
            Assert.That(expired.Status, Is.EqualTo(403), "past tokenTtl the token is refused");
            Assert.That((string?)expired.Body!["message"], Is.EqualTo("Code: 401, Message: token expired!."), "NacosSignatureAlgorithm's text, AuthResult-formatted");
        });
    }

    [Test]
    public async Task The_3_x_console_listens_on_its_own_port_with_its_own_paths_and_console_auth()
    {
        await using var cluster = await V3SandboxKit.StartAsync(NacosVersionProfile.V3_3);
        await using var v24 = await SandboxTestKit.StartAsync(clock: new FakeTimeProvider(Infrastructure.TestTime.Start));
        var node = cluster.Nodes[0];
        using var console = new HttpClient { BaseAddress = node.ConsoleBaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        using var server = SandboxTestKit.Client(node);
        await server.SendAsync(HttpMethod.Post, "/nacos/v3/auth/user/admin", V3SandboxKit.Form(("password", "pw")));
        var token = (string?)(await server.JsonAsync(HttpMethod.Post, "/nacos/v3/auth/user/login", V3SandboxKit.Form(("username", "nacos"), ("password", "pw")))).Body!["accessToken"];

        var state = await console.GetJsonAsync("/v3/console/server/state");
        var anonymous = await console.SendAsync(HttpMethod.Get, "/v3/console/core/namespace/list");
        var namespaces = await console.GetJsonAsync($"/v3/console/core/namespace/list?accessToken={token}");
        var serverApiOnConsole = await console.SendAsync(HttpMethod.Get, "/nacos/v3/admin/core/state");
        var consoleOnServer = await server.SendAsync(HttpMethod.Get, "/v3/console/server/state");

        Assert.Multiple(() =>
        {
            Assert.That(node.ConsolePort, Is.Not.Null.And.Not.EqualTo(node.Port), "nacos.console.port is its own port in 3.x");
            Assert.That(node.ConsoleAddress, Is.EqualTo($"127.0.0.1:{node.ConsolePort}"), "host:consolePort");
            Assert.That((string?)state["version"], Is.EqualTo("3.3.0"), "ConsoleServerStateController answers the bare state map, no Result");
            Assert.That(anonymous.Status, Is.EqualTo(403), "console auth is on as shipped");
            Assert.That((string?)namespaces["data"]![0]!["namespace"], Is.EqualTo("public"), "ConsoleNamespaceController.getNamespaceList in a Result");
            Assert.That(serverApiOnConsole.Status, Is.EqualTo(404), "the console port serves no server API");
            Assert.That(consoleOnServer.Status, Is.EqualTo(404), "and the server port no console API");
            Assert.That(v24.Nodes[0].ConsolePort, Is.Null, "before 3.0 the console is on the server port");
        });
    }
}
