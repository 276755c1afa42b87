using System.Security.Cryptography;
using System.Text;
using Dapper;
using NacosSync.Sandbox;
using NacosSync.Storage.Database;

namespace NacosSync.IntegrationTests.Sandbox;

/// <summary>
/// The v3 config and namespace API, facts read from alibaba/nacos 3.0.3: config/controller/v3/ConfigOpenApiController.java
/// (client get from the node's cache), ConfigControllerV3.java (admin get from the DB, publish, delete, list),
/// ConfigOpsControllerV3.java (localCache), model/form/ConfigFormV3.java, core/controller/v3/NamespaceControllerV3.java.
/// </summary>
[TestFixture]
internal sealed class SandboxV3ConfigTests
{
    private const string ClientConfig = "/nacos/v3/client/cs/config";
    private const string AdminConfig = "/nacos/v3/admin/cs/config";

#pragma warning disable CA5351 // MD5 is Nacos's content digest, not a security measure.
    private static string Md5(string content) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(content)));
#pragma warning restore CA5351

    private static Dictionary<string, string> Config(string dataId, params (string Key, string Value)[] extra) =>
        V3SandboxKit.Form([("dataId", dataId), ("groupName", "DEFAULT_GROUP"), .. extra]);

    private static string Query(string dataId) => $"?dataId={dataId}&groupName=DEFAULT_GROUP&namespaceId=public";

    [Test]
    public async Task Admin_publish_client_get_admin_get_list_and_delete_answer_in_the_result_envelope()
    {
        await using var cluster = await V3SandboxKit.StartAsync(NacosVersionProfile.V3_2, withDatabase: true);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        using var admin = V3SandboxKit.AdminClient(cluster.Nodes[0]);

        var publish = await admin.SendAsync(HttpMethod.Post, AdminConfig, Config("app.yaml", ("content", "a: 1"), ("type", "yaml"), ("desc", "the app"), ("configTags", "blue")));
        var got = await client.GetJsonAsync(ClientConfig + Query("app.yaml"));
        var detail = await admin.GetJsonAsync(AdminConfig + Query("app.yaml"));
        var list = await admin.GetJsonAsync(AdminConfig + "/list?pageNo=1&pageSize=10&namespaceId=public");
        var noGroup = await client.JsonAsync(HttpMethod.Get, ClientConfig + "?dataId=app.yaml");
        var delete = await admin.SendAsync(HttpMethod.Delete, AdminConfig + Query("app.yaml"));
        var gone = await client.JsonAsync(HttpMethod.Get, ClientConfig + Query("app.yaml"));
        var goneDetail = await admin.JsonAsync(HttpMethod.Get, AdminConfig + Query("app.yaml"));

        Assert.Multiple(() =>
        {
            Assert.That(publish, Is.EqualTo((200, "{\"code\":0,\"message\":\"success\",\"data\":true}")), "Result<Boolean>");
            Assert.That((string?)got["data"]!["content"], Is.EqualTo("a: 1"), "ConfigQueryResponse.content");
            Assert.That((string?)got["data"]!["md5"], Is.EqualTo(Md5("a: 1")), "ConfigQueryResponse.md5");
            Assert.That((string?)got["data"]!["contentType"], Is.EqualTo("yaml"), "ConfigQueryResponse.contentType");
            Assert.That((string?)detail["data"]!["namespaceId"], Is.EqualTo("public"), "3.x keeps the public namespace as 'public'");
            Assert.That((string?)detail["data"]!["groupName"], Is.EqualTo("DEFAULT_GROUP"), "ConfigDetailInfo.groupName");
            Assert.That((string?)detail["data"]!["desc"], Is.EqualTo("the app"), "ConfigDetailInfo.desc");
            Assert.That((string?)detail["data"]!["configTags"], Is.EqualTo("blue"), "ConfigFormV3.configTags lands in config_tags_relation");
            Assert.That(detail["data"]!["id"]!.GetValueKind(), Is.EqualTo(System.Text.Json.JsonValueKind.String), "ConfigBasicInfo.id has @JsonSerialize(ToStringSerializer)");
            Assert.That((int?)list["data"]!["totalCount"], Is.EqualTo(1), "the list is a Page");
            Assert.That((string?)list["data"]!["pageItems"]![0]!["dataId"], Is.EqualTo("app.yaml"), "ConfigBasicInfo.dataId");
            Assert.That(noGroup.Status, Is.EqualTo(400), "ConfigFormV3.validate needs groupName");
            Assert.That((string?)noGroup.Body!["data"], Is.EqualTo("Required parameter 'groupName' type String is not present"), "and says so");
            Assert.That(delete, Is.EqualTo((200, "{\"code\":0,\"message\":\"success\",\"data\":true}")), "delete answers true");
            Assert.That(gone.Status, Is.EqualTo(200), "the client get returns Result.failure(RESOURCE_NOT_FOUND) with HTTP 200");
            Assert.That((int?)gone.Body!["code"], Is.EqualTo(20004), "RESOURCE_NOT_FOUND");
            Assert.That(goneDetail.Status, Is.EqualTo(404), "the admin get throws NacosApiException(NOT_FOUND)");
            Assert.That((string?)goneDetail.Body!["data"], Is.EqualTo("Config not exist, please publish Config first."));
        });
    }

    [Test]
    public async Task The_client_get_serves_the_node_cache_until_v3_local_cache_while_the_admin_get_reads_the_database()
    {
        SqlDatabase? database = null;
        await using var cluster = await V3SandboxKit.StartAsync(NacosVersionProfile.V3_3, withDatabase: true, configure: o =>
        {
            o.AuthEnabled = false;
            database = o.Database;
        });
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        using var admin = V3SandboxKit.AdminClient(cluster.Nodes[0]);
        await admin.SendAsync(HttpMethod.Post, AdminConfig, Config("edited", ("content", "old")));
        await using (var connection = await database!.OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("UPDATE config_info SET content = 'new', md5 = @md5, gmt_modified = NOW() WHERE data_id = 'edited' AND tenant_id = 'public'", new { md5 = Md5("new") });
        }

        var stale = await client.GetJsonAsync(ClientConfig + Query("edited"));
        var fromDatabase = await admin.GetJsonAsync(AdminConfig + Query("edited"));
        var refresh = await admin.SendAsync(HttpMethod.Post, "/nacos/v3/admin/cs/ops/localCache");
        await cluster.Nodes[0].WhenLocalCacheRefreshedAsync();
        var fresh = await client.GetJsonAsync(ClientConfig + Query("edited"));

        Assert.Multiple(() =>
        {
            Assert.That((string?)stale["data"]!["content"], Is.EqualTo("old"), "the client get goes through the node's cache (ConfigQueryChainService)");
            Assert.That((string?)fromDatabase["data"]!["content"], Is.EqualTo("new"), "the admin get is findConfigAllInfo: the DB");
            Assert.That(refresh, Is.EqualTo((200, "{\"code\":0,\"message\":\"success\",\"data\":\"Local cache updated from store successfully!\"}")), "ConfigOpsControllerV3");
            Assert.That((string?)fresh["data"]!["content"], Is.EqualTo("new"), "after localCache the node serves the DB value");
        });
    }

    [Test]
    public async Task The_admin_namespace_api_creates_a_tenant_info_row_with_name_and_description_and_lists_it_after_public()
    {
        SqlDatabase? database = null;
        await using var cluster = await V3SandboxKit.StartAsync(NacosVersionProfile.V3_2, withDatabase: true, configure: o => database = o.Database);
        using var admin = V3SandboxKit.AdminClient(cluster.Nodes[0]);

        var created = await admin.SendAsync(HttpMethod.Post, "/nacos/v3/admin/core/namespace",
            V3SandboxKit.Form(("namespaceId", "dev"), ("namespaceName", "Development"), ("namespaceDesc", "for developers")));
        var again = await admin.JsonAsync(HttpMethod.Post, "/nacos/v3/admin/core/namespace", V3SandboxKit.Form(("namespaceId", "dev"), ("namespaceName", "Development")));
        var noName = await admin.JsonAsync(HttpMethod.Post, "/nacos/v3/admin/core/namespace", V3SandboxKit.Form(("namespaceId", "qa")));
        var list = await admin.GetJsonAsync("/nacos/v3/admin/core/namespace/list");
        await using var connection = await database!.OpenAsync(CancellationToken.None);
        var row = await connection.QuerySingleAsync<(string Name, string Desc)>("SELECT tenant_name, tenant_desc FROM tenant_info WHERE tenant_id = 'dev'");
        var items = list["data"]!.AsArray();

        Assert.Multiple(() =>
        {
            Assert.That(created, Is.EqualTo((200, "{\"code\":0,\"message\":\"success\",\"data\":true}")), "Result<Boolean>");
            Assert.That(row, Is.EqualTo(("Development", "for developers")), "written to tenant_info");
            Assert.That(again.Status, Is.EqualTo(400), "isNamespaceExist throws NacosApiException(400)");
            Assert.That((int?)again.Body!["code"], Is.EqualTo(22002), "NAMESPACE_ALREADY_EXIST");
            Assert.That((string?)noName.Body!["data"], Is.EqualTo("required parameter 'namespaceName' is missing"), "NamespaceForm.validate");
            Assert.That(items.Select(n => (string?)n!["namespace"]), Is.EqualTo(new[] { "public", "dev" }), "public first, then tenant_info rows");
            Assert.That((string?)items[1]!["namespaceShowName"], Is.EqualTo("Development"), "Namespace.namespaceShowName");
            Assert.That((string?)items[1]!["namespaceDesc"], Is.EqualTo("for developers"), "Namespace.namespaceDesc");
        });
    }
}
