using System.Text.Json.Nodes;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Sandbox;

[TestFixture]
internal sealed class SandboxAuthAndFaultTests
{
    private const string List = "/nacos/v1/ns/instance/list?serviceName=svc";

    private static Task<SandboxCluster> StartSecuredAsync(FakeTimeProvider clock) =>
        SandboxTestKit.StartAsync(clock: clock, configure: o =>
        {
            o.AuthEnabled = true;
            o.AdminPassword = "s3cret";
            o.IdentityKey = "serverIdentity";
            o.IdentityValue = "security";
        });

    [Test]
    public async Task With_auth_on_a_call_without_token_gets_403_json_and_a_login_token_works_until_its_ttl()
    {
        var clock = new FakeTimeProvider(TestTime.Start);
        await using var cluster = await StartSecuredAsync(clock);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);

        var refused = await client.SendAsync(HttpMethod.Get, List);
        var badLogin = await client.SendAsync(HttpMethod.Post, "/nacos/v1/auth/login", new Dictionary<string, string> { ["username"] = "nacos", ["password"] = "wrong" });
        var login = await client.SendAsync(HttpMethod.Post, "/nacos/v1/auth/login", new Dictionary<string, string> { ["username"] = "nacos", ["password"] = "s3cret" });
        var token = (string)JsonNode.Parse(login.Body)!["accessToken"]!;
        var withToken = await client.SendAsync(HttpMethod.Get, List + "&accessToken=" + token);
        clock.Advance(TimeSpan.FromSeconds(18001));
        var expired = await client.SendAsync(HttpMethod.Get, List + "&accessToken=" + token);
        var state = await client.SendAsync(HttpMethod.Get, "/nacos/v1/console/server/state");

        Assert.Multiple(() =>
        {
            Assert.That(refused.Status, Is.EqualTo(403), "no token, no access");
            Assert.That((int?)JsonNode.Parse(refused.Body)!["status"], Is.EqualTo(403), "403 is a JSON body");
            Assert.That((string?)JsonNode.Parse(refused.Body)!["message"], Is.EqualTo("user not found!"), "the reference's message");
            Assert.That(badLogin.Status, Is.EqualTo(403), "a wrong password is refused");
            Assert.That((int?)JsonNode.Parse(login.Body)!["tokenTtl"], Is.EqualTo(18000), "tokenTtl as the reference");
            Assert.That(withToken.Status, Is.EqualTo(200), "the token opens the API");
            Assert.That(expired.Status, Is.EqualTo(403), "the token expires after its TTL");
            Assert.That(state.Status, Is.EqualTo(200), "server state needs no token");
        });
    }

    [Test]
    public async Task With_auth_on_username_and_password_params_a_bearer_header_and_the_identity_header_are_accepted()
    {
        var clock = new FakeTimeProvider(TestTime.Start);
        await using var cluster = await StartSecuredAsync(clock);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        var login = await client.SendAsync(HttpMethod.Post, "/nacos/v1/auth/login?username=nacos&password=s3cret");
        var token = (string)JsonNode.Parse(login.Body)!["accessToken"]!;

        var withParams = await client.SendAsync(HttpMethod.Get, List + "&username=nacos&password=s3cret");
        using var bearer = new HttpRequestMessage(HttpMethod.Get, new Uri(List, UriKind.Relative));
        bearer.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var bearerResponse = await client.SendAsync(bearer);
        using var identity = new HttpRequestMessage(HttpMethod.Post, new Uri("/nacos/v1/cs/ops/localCache", UriKind.Relative));
        identity.Headers.Add("serverIdentity", "security");
        using var identityResponse = await client.SendAsync(identity);
        var localCacheWithout = await client.SendAsync(HttpMethod.Post, "/nacos/v1/cs/ops/localCache");

        Assert.Multiple(() =>
        {
            Assert.That(withParams.Status, Is.EqualTo(200), "the Node client's username/password params are accepted");
            Assert.That((int)bearerResponse.StatusCode, Is.EqualTo(200), "Authorization: Bearer is accepted");
            Assert.That((int)identityResponse.StatusCode, Is.EqualTo(200), "the identity header skips auth");
            Assert.That(localCacheWithout.Status, Is.EqualTo(403), "localCache needs credentials on a secured cluster");
        });
    }

    [Test]
    public async Task Fault_modes_answer_500_drop_the_connection_hang_until_cleared_or_answer_an_empty_instance_list()
    {
        await using var cluster = await SandboxTestKit.StartAsync(nodes: 2, clock: new FakeTimeProvider(TestTime.Start));
        var node = cluster.Nodes[0];
        using var client = SandboxTestKit.Client(node);
        using var healthy = SandboxTestKit.Client(cluster.Nodes[1]);
        await client.SendAsync(HttpMethod.Post, "/nacos/v1/ns/instance?serviceName=svc&ip=10.0.0.1&port=1");

        node.Faults.Mode = FaultMode.ServerError;
        var error = await client.SendAsync(HttpMethod.Get, List);
        var peer = await healthy.SendAsync(HttpMethod.Get, List);

        node.Faults.Mode = FaultMode.EmptyInstanceList;
        var empty = await client.GetJsonAsync(List);
        var services = await client.GetJsonAsync("/nacos/v1/ns/service/list?pageNo=1&pageSize=10");

        node.Faults.Mode = FaultMode.DropConnection;
        var dropped = Assert.CatchAsync<HttpRequestException>(async () => await client.SendAsync(HttpMethod.Get, List), "a dropped connection is a transport error");

        node.Faults.Mode = FaultMode.Hang;
        using var shortClient = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromMilliseconds(300) };
        Assert.CatchAsync<TaskCanceledException>(async () => await shortClient.GetAsync(new Uri(List, UriKind.Relative)), "a hanging node times the client out");
        var released = client.GetAsync(new Uri(List, UriKind.Relative));
        await Task.Delay(200);
        var stillHanging = !released.IsCompleted;
        node.Faults.Clear();
        using var releasedResponse = await released;

        Assert.Multiple(() =>
        {
            Assert.That(error.Status, Is.EqualTo(500), "ServerError answers 500");
            Assert.That(peer.Status, Is.EqualTo(200), "a fault is per node");
            Assert.That(empty["hosts"]!.AsArray(), Is.Empty, "EmptyInstanceList answers no hosts");
            Assert.That((int?)services["count"], Is.EqualTo(1), "other calls still work under EmptyInstanceList");
            Assert.That(dropped, Is.Not.Null);
            Assert.That(stillHanging, Is.True, "a hung request waits");
            Assert.That((int)releasedResponse.StatusCode, Is.EqualTo(200), "clearing the fault releases it");
        });
    }
}
