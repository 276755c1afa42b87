using System.Text.Json.Nodes;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Sandbox;

/// <summary>
/// Config over gRPC (alibaba/nacos config/src/main/java/com/alibaba/nacos/config/server/remote/) and the
/// gRPC auth filter (core/src/main/java/com/alibaba/nacos/core/auth/RemoteRequestAuthFilter.java), reference §9.
/// </summary>
[TestFixture]
internal sealed class SandboxGrpcConfigAndAuthTests
{
    [Test]
    public async Task Config_query_answers_300_when_missing_and_the_published_content_afterwards_and_remove_removes_it()
    {
        await using var cluster = await SandboxTestKit.StartAsync(nodes: 2, withDatabase: true);
        await using var writer = await GrpcTestClient.ConnectAsync(cluster.Nodes[0], "config");
        await using var reader = await GrpcTestClient.ConnectAsync(cluster.Nodes[1], "config");

        var missing = await reader.RequestAsync("ConfigQueryRequest", Key("app.yaml"));
        var publish = await writer.RequestAsync("ConfigPublishRequest", Key("app.yaml", new JsonObject
        {
            ["content"] = "a: 1",
            ["additionMap"] = new JsonObject { ["type"] = "yaml", ["appName"] = "app" },
        }));
        var found = await reader.RequestAsync("ConfigQueryRequest", Key("app.yaml"));
        var remove = await writer.RequestAsync("ConfigRemoveRequest", Key("app.yaml"));
        var gone = await reader.RequestAsync("ConfigQueryRequest", Key("app.yaml"));

        Assert.Multiple(() =>
        {
            Assert.That(missing.Type, Is.EqualTo("ConfigQueryResponse"), "ConfigQueryRequestHandler's response");
            Assert.That((int?)missing.Body["errorCode"], Is.EqualTo(300), "ConfigQueryResponse.CONFIG_NOT_FOUND");
            Assert.That((int?)missing.Body["resultCode"], Is.EqualTo(500), "setErrorInfo sets FAIL");
            Assert.That((string?)missing.Body["message"], Is.EqualTo("config data not exist"), "the handler's text");
            Assert.That(publish.Type, Is.EqualTo("ConfigPublishResponse"), "ConfigPublishRequestHandler's response");
            Assert.That((bool?)publish.Body["success"], Is.True, "published");
            Assert.That((string?)found.Body["content"], Is.EqualTo("a: 1"), "an API publish reaches the other node's cache");
            Assert.That((string?)found.Body["md5"], Is.EqualTo(Md5("a: 1")), "md5 = lowercase hex MD5 of the UTF-8 content (reference §4)");
            Assert.That((string?)found.Body["contentType"], Is.EqualTo("yaml"), "additionMap.type");
            Assert.That((long?)found.Body["lastModified"], Is.GreaterThan(0), "lastModified in ms");
            Assert.That(remove.Type, Is.EqualTo("ConfigRemoveResponse"), "ConfigRemoveRequestHandler's response");
            Assert.That((int?)gone.Body["errorCode"], Is.EqualTo(300), "removed from every node's cache");
        });
    }

    [Test]
    public async Task Batch_listen_answers_the_stale_keys_and_a_change_in_the_node_cache_pushes_ConfigChangeNotifyRequest()
    {
        await using var cluster = await SandboxTestKit.StartAsync(withDatabase: true);
        await using var listener = await GrpcTestClient.ConnectAsync(cluster.Nodes[0], "config");
        using var http = SandboxTestKit.Client(cluster.Nodes[0]);
        await http.SendAsync(HttpMethod.Post, "/nacos/v1/cs/configs", new Dictionary<string, string> { ["dataId"] = "known", ["group"] = "DEFAULT_GROUP", ["content"] = "v1" });
        var knownMd5 = (string)(await listener.RequestAsync("ConfigQueryRequest", Key("known"))).Body["md5"]!;

        var listen = await listener.RequestAsync("ConfigBatchListenRequest", new JsonObject
        {
            ["listen"] = true,
            ["module"] = "config",
            ["configListenContexts"] = new JsonArray(Context("known", knownMd5), Context("stale", "0123")),
        });
        await http.SendAsync(HttpMethod.Post, "/nacos/v1/cs/configs", new Dictionary<string, string> { ["dataId"] = "known", ["group"] = "DEFAULT_GROUP", ["content"] = "v2" });
        var notify = await listener.NextPushAsync("ConfigChangeNotifyRequest");

        Assert.Multiple(() =>
        {
            Assert.That(listen.Type, Is.EqualTo("ConfigChangeBatchListenResponse"), "ConfigChangeBatchListenRequestHandler's response");
            Assert.That(listen.Body["changedConfigs"]!.AsArray().Select(c => (string?)c!["dataId"]), Is.EqualTo(new[] { "stale" }),
                "only keys whose md5 is not up to date (ConfigCacheService.isUptodate)");
            Assert.That((string?)notify.Body["dataId"], Is.EqualTo("known"), "the changed key is pushed to its listener");
            Assert.That((string?)notify.Body["group"], Is.EqualTo("DEFAULT_GROUP"), "with its group");
            Assert.That((string?)notify.Body["tenant"], Is.EqualTo(""), "and tenant (\"\" = public on 2.x)");
            Assert.That((string?)notify.Body["module"], Is.EqualTo("config"), "ConfigChangeNotifyRequest.getModule");
        });
    }

    [TestCase(NacosVersionProfile.V2_4, "user not found!")]
    [TestCase(NacosVersionProfile.V3_0, "Code: 401, Message: user not found!.")]
    public async Task With_auth_on_a_request_without_accessToken_is_refused_with_403_in_the_handlers_own_response(NacosVersionProfile profile, string message)
    {
        await using var cluster = await SandboxTestKit.StartAsync(profile: profile, configure: o => o.AuthEnabled = true);
        await using var client = await GrpcTestClient.ConnectAsync(cluster.Nodes[0]);
        using var http = SandboxTestKit.Client(cluster.Nodes[0]);
        var login = await http.SendAsync(HttpMethod.Post, $"/nacos/{(profile == NacosVersionProfile.V3_0 ? "v3" : "v1")}/auth/{(profile == NacosVersionProfile.V3_0 ? "user/" : "")}login?username=nacos&password=nacos");
        var token = (string)JsonNode.Parse(login.Body)!["accessToken"]!;

        var health = await client.RequestAsync("HealthCheckRequest", new JsonObject());
        var refused = await client.RequestAsync("InstanceRequest", GrpcNaming.Base("svc", new JsonObject { ["type"] = "registerInstance", ["instance"] = GrpcNaming.Instance("10.0.0.1", 80) }));
        client.Headers["accessToken"] = "not-a-token";
        var badToken = await client.RequestAsync("ServiceListRequest", GrpcNaming.Base("svc", new JsonObject { ["pageNo"] = 1, ["pageSize"] = 10 }));
        client.Headers["accessToken"] = token;
        var accepted = await client.RequestAsync("InstanceRequest", GrpcNaming.Base("svc", new JsonObject { ["type"] = "registerInstance", ["instance"] = GrpcNaming.Instance("10.0.0.1", 80) }));

        Assert.Multiple(() =>
        {
            Assert.That((int?)health.Body["resultCode"], Is.EqualTo(200), "HealthCheckRequestHandler is not @Secured");
            Assert.That(refused.Type, Is.EqualTo("InstanceResponse"), "the filter answers the handler's default response instance");
            Assert.That((int?)refused.Body["resultCode"], Is.EqualTo(500), "setErrorInfo: FAIL");
            Assert.That((int?)refused.Body["errorCode"], Is.EqualTo(403), "NacosException.NO_RIGHT");
            Assert.That((string?)refused.Body["message"], Is.EqualTo(message), "the auth plugin's message for that version");
            Assert.That(badToken.Type, Is.EqualTo("ServiceListResponse"), "the list handler's response");
            Assert.That((string?)badToken.Body["message"], Does.Contain("token invalid!"), "JwtTokenManager's text for a bad token");
            Assert.That((int?)accepted.Body["resultCode"], Is.EqualTo(200), "a login token in metadata.headers opens the API");
            Assert.That(cluster.Naming.AllInstances(NacosSync.Sandbox.Naming.ServiceKey.From("public", "svc", null)), Has.Count.EqualTo(1), "registered once, after auth");
        });
    }

#pragma warning disable CA5351 // MD5 is the Nacos protocol's content digest, not a security measure.
    private static string Md5(string content) => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(content)));
#pragma warning restore CA5351

    private static JsonObject Key(string dataId, JsonObject? body = null)
    {
        body ??= [];
        body["dataId"] = dataId;
        body["group"] = "DEFAULT_GROUP";
        body["tenant"] = "";
        body["module"] = "config";
        return body;
    }

    private static JsonObject Context(string dataId, string md5) => new()
    {
        ["dataId"] = dataId,
        ["group"] = "DEFAULT_GROUP",
        ["tenant"] = "",
        ["md5"] = md5,
    };
}
