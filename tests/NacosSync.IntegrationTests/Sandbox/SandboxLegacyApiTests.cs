using System.Text.Json.Nodes;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Sandbox;

/// <summary>
/// What 3.x does to the v1/v2 HTTP API (reference §1, §8): 3.0/3.1's ApiCompatibilityFilter answers 410 for console
/// and admin endpoints (core/controller/compatibility/ApiCompatibilityFilter.java, the @Compatibility annotations of
/// the v1/v2 controllers); 3.2+ removed the v1/v2 controllers (404) but the v1 login.
/// </summary>
[TestFixture]
internal sealed class SandboxLegacyApiTests
{
    private static readonly (string Method, string Path)[] LegacyCalls =
    [
        ("POST", "/nacos/v1/ns/instance?serviceName=svc&ip=10.0.0.1&port=1"),
        ("GET", "/nacos/v1/ns/instance/list?serviceName=svc"),
        ("PUT", "/nacos/v1/ns/instance/beat?serviceName=svc&ip=10.0.0.1&port=1"),
        ("GET", "/nacos/v1/cs/configs?dataId=a&group=DEFAULT_GROUP"),
        ("POST", "/nacos/v1/cs/configs/listener"),
        ("GET", "/nacos/v1/console/server/state"),
        ("GET", "/nacos/v1/console/namespaces"),
        ("GET", "/nacos/v1/core/cluster/nodes"),
        ("GET", "/nacos/v2/ns/instance/list?serviceName=svc"),
        ("GET", "/nacos/v2/cs/config?dataId=a&group=DEFAULT_GROUP"),
    ];

    [TestCase(NacosVersionProfile.V3_2)]
    [TestCase(NacosVersionProfile.V3_3)]
    public async Task Versions_3_2_and_later_answer_404_on_every_v1_and_v2_path_but_the_v1_login(NacosVersionProfile profile)
    {
        await using var cluster = await V3SandboxKit.StartAsync(profile, configure: o => o.AuthEnabled = false);
        using var client = V3SandboxKit.AdminClient(cluster.Nodes[0]);

        var answers = new List<(string Call, int Status)>();
        foreach (var (method, path) in LegacyCalls)
        {
            answers.Add(($"{method} {path}", (await client.SendAsync(new HttpMethod(method), path)).Status));
        }

        var login = await client.SendAsync(HttpMethod.Post, "/nacos/v1/auth/users/login", V3SandboxKit.Form(("username", "nacos"), ("password", "nacos")));
        var v3State = await client.GetJsonAsync("/nacos/v3/admin/core/state");

        Assert.Multiple(() =>
        {
            foreach (var (call, status) in answers)
            {
                Assert.That(status, Is.EqualTo(404), $"{call}: 3.2 moved every v1/v2 controller to the optional legacy adapter");
            }

            Assert.That(login.Status, Is.Not.EqualTo(404), "the v1 login stays (reference §8)");
            Assert.That((string?)v3State["data"]!["version"], Is.EqualTo(profile == NacosVersionProfile.V3_2 ? "3.2.0" : "3.3.0"), "the v3 state names the version");
        });
    }

    [Test]
    public async Task Version_3_1_answers_410_on_v1_console_and_admin_endpoints_with_the_compatibility_filter_body_and_serves_the_client_api()
    {
        await using var cluster = await V3SandboxKit.StartAsync(NacosVersionProfile.V3_1);
        using var client = V3SandboxKit.AdminClient(cluster.Nodes[0]);

        var namespaces = await client.JsonAsync(HttpMethod.Get, "/nacos/v1/console/namespaces");
        var update = await client.JsonAsync(HttpMethod.Put, "/nacos/v1/ns/instance?serviceName=svc&ip=10.0.0.1&port=1");
        var search = await client.JsonAsync(HttpMethod.Get, "/nacos/v1/cs/configs?search=accurate&dataId=&group=&pageNo=1&pageSize=10");
        var localCache = await client.JsonAsync(HttpMethod.Post, "/nacos/v1/cs/ops/localCache");
        var v2Beat = await client.JsonAsync(HttpMethod.Put, "/nacos/v2/ns/instance/beat?serviceName=svc&ip=10.0.0.1&port=1");
        var register = await client.SendAsync(HttpMethod.Post, "/nacos/v1/ns/instance?serviceName=svc&ip=10.0.0.1&port=1");
        var list = await client.GetJsonAsync("/nacos/v1/ns/instance/list?serviceName=svc");
        var serviceList = await client.SendAsync(HttpMethod.Get, "/nacos/v1/ns/service/list?pageNo=1&pageSize=10");
        var v1State = await client.GetJsonAsync("/nacos/v1/console/server/state");
        var v3State = await client.GetJsonAsync("/nacos/v3/admin/core/state");

        static JsonNode Inner(JsonNode? springError) => JsonNode.Parse((string)springError!["message"]!)!;

        Assert.Multiple(() =>
        {
            Assert.That(namespaces.Status, Is.EqualTo(410), "v1 console namespaces: CONSOLE_API, off by default");
            Assert.That((int?)namespaces.Body!["status"], Is.EqualTo(410), "sendError(410) becomes Spring's error JSON");
            Assert.That((int?)Inner(namespaces.Body)["code"], Is.EqualTo(40000), "the message is a Result with ErrorCode.API_DEPRECATED");
            Assert.That((string?)Inner(namespaces.Body)["message"], Is.EqualTo(
                "Current API will be deprecated, please use API(s) `GET ${contextPath:nacos}/v3/console/core/namespace/list` instead, "
                + "or set `nacos.core.api.compatibility.console.enabled=true` in application.properties."), "MESSAGE_REPLACED_API with the annotation's alternatives, unresolved");
            Assert.That(update.Status, Is.EqualTo(410), "v1 instance update: ADMIN_API");
            Assert.That((string?)Inner(update.Body)["message"], Does.Contain("`PUT ${contextPath:nacos}/v3/admin/ns/instance`").And.Contain("nacos.core.api.compatibility.admin.enabled"), "admin switch named");
            Assert.That(search.Status, Is.EqualTo(410), "v1 config search: CONSOLE_API");
            Assert.That((string?)Inner(localCache.Body)["message"], Does.Contain("`POST {contextPath:nacos}/v3/admin/cs/ops/localCache`"), "ConfigOpsController spells it without the $");
            Assert.That((string?)Inner(v2Beat.Body)["message"], Is.EqualTo(
                "Current API will be deprecated, If wanted continue to use, please set `nacos.core.api.compatibility.admin.enabled=true` in application.properties."), "no alternatives: MESSAGE_NO_REPLACED_API");
            Assert.That(register, Is.EqualTo((200, "ok")), "v1 register: OPEN_API, still served");
            Assert.That(list["hosts"]!.AsArray(), Has.Count.EqualTo(1), "v1 instance list still served");
            Assert.That(serviceList.Status, Is.EqualTo(200), "v1 service list is OPEN_API (ServiceController.list)");
            Assert.That((string?)v1State["version"], Is.EqualTo("3.1.0"), "the v1 state still answers on 3.1 (reference §1)");
            Assert.That((string?)v3State["data"]!["version"], Is.EqualTo("3.1.0"), "and the v3 state");
        });
    }

    [TestCase(NacosVersionProfile.V3_1)]
    [TestCase(NacosVersionProfile.V3_3)]
    public void A_3_x_cluster_with_admin_auth_on_refuses_to_start_without_the_server_identity(NacosVersionProfile profile)
    {
        var refused = Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await SandboxTestKit.StartAsync(profile: profile, clock: new FakeTimeProvider(Infrastructure.TestTime.Start)));

        Assert.That(refused!.Message, Does.Contain("nacos.core.auth.server.identity.key"), "NacosServerAdminAuthConfig.validate: AuthErrorCode.EMPTY_IDENTITY");
    }

    [Test]
    public async Task A_3_1_cluster_starts_without_an_identity_when_every_auth_switch_is_off()
    {
        await using var cluster = await SandboxTestKit.StartAsync(profile: NacosVersionProfile.V3_1, clock: new FakeTimeProvider(Infrastructure.TestTime.Start),
            configure: o => o.AdminAuthEnabled = false);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);

        var namespaces = await client.SendAsync(HttpMethod.Get, "/nacos/v3/admin/core/namespace/list");

        Assert.That(namespaces.Status, Is.EqualTo(200), "with nacos.core.auth.admin.enabled=false the admin API is open");
    }
}
