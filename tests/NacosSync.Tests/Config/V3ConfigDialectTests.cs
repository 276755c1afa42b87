using System.Net;
using NacosSync.Core.Config;
using NacosSync.Nacos.Config;
using NacosSync.Nacos.Transport;
using NacosSync.Tests.Nacos;

namespace NacosSync.Tests.Config;

/// <summary>
/// Config on 3.2+ and 3.0–3.1, with requests and canned answers from alibaba/nacos 3.x sources (each cited), not from our
/// sandbox: <c>config/src/main/java/com/alibaba/nacos/config/server/controller/v3/ConfigOpenApiController.java</c>
/// (/v3/client/cs/config), <c>.../controller/v3/ConfigControllerV3.java</c> (/v3/admin/cs/config), <c>ConfigOpsControllerV3.java</c>,
/// <c>.../model/form/ConfigFormV3.java</c>, <c>core/.../controller/v3/NacosClusterControllerV3.java</c>, <c>api/.../model/v2/Result.java</c>.
/// </summary>
[TestFixture]
internal sealed class V3ConfigDialectTests
{
    private static readonly Uri Node = new("http://10.0.0.1:8848");
    private static readonly ConfigKey App = new("public", "G", "app.yaml");

    private static NacosConfigClient Client(string version, Func<HttpRequestMessage, string, HttpResponseMessage> respond, out FakeNacosHandler handler)
    {
        handler = FakeNacosHandler.Serving(version, respond);
        return new NacosConfigClient(new NacosTransport(new NacosTransportOptions { Name = "target", Servers = [Node], MaxRetries = 0 }, new HttpClient(handler)));
    }

    private static HttpResponseMessage Json(string body, HttpStatusCode status = HttpStatusCode.OK) => FakeNacosHandler.Text(status, body);

    private static Dictionary<string, string> Params(string text) => text.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
        .Select(p => p.Split('=', 2)).ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')), StringComparer.Ordinal);

    [Test]
    public async Task On_3_2_a_read_goes_to_the_v3_client_api_and_code_20004_is_absent()
    {
        // ConfigOpenApiController.getConfig: Result.success(ConfigQueryResponse{content, md5, contentType, ...}), or
        // Result.failure(ErrorCode.RESOURCE_NOT_FOUND) (20004, HTTP 200) when the chain finds no content.
        var client = Client("3.2.0", (request, _) => Params(request.RequestUri!.Query)["dataId"] == "app.yaml"
            ? Json("""{"code":0,"message":"success","data":{"content":"a: 1","encryptedDataKey":"","contentType":"yaml","md5":"5E8F0E9C2B5A4B8E8E8B7F0E2E0F5B6A","lastModified":1730000000000,"beta":false}}""")
            : Json("""{"code":20004,"message":"resource not found","data":null}"""), out var handler);

        var served = await client.GetFromNodeAsync(Node, App, CancellationToken.None);
        var absent = await client.GetAsync(App with { DataId = "gone" }, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(served, Is.EqualTo(new ServedConfig("a: 1", "5e8f0e9c2b5a4b8e8e8b7f0e2e0f5b6a", "yaml")), "the node's md5, lower-cased as ours are");
            Assert.That(absent, Is.Null, "20004 is 'no such config', not an error");
            var query = Params(handler.Requests[0].Uri.Query);
            Assert.That((handler.Requests[0].Uri.AbsolutePath, query["groupName"], query["namespaceId"]), Is.EqualTo(("/nacos/v3/client/cs/config", "G", "public")),
                "ConfigFormV3 takes groupName (not group) and namespaceId (not tenant)");
        });
    }

    [Test]
    public async Task On_3_3_publish_posts_to_the_admin_api_and_a_cas_refusal_is_a_conflict()
    {
        // ConfigOperationService.publishConfig: NacosApiException(500, RESOURCE_CONFLICT, "Cas publish fail, server md5 may have changed."),
        // rendered by NacosApiExceptionHandler as Result(20005, "resource conflict", <errMsg>).
        var client = Client("3.3.0", (request, _) => request.Headers.Contains("casMd5")
            ? Json("""{"code":20005,"message":"resource conflict","data":"Cas publish fail, server md5 may have changed."}""", HttpStatusCode.InternalServerError)
            : Json("""{"code":0,"message":"success","data":true}"""), out var handler);
        var row = new ConfigRow(App, "a: 1", new ConfigAttributes("yaml", "shop", "the app", "t1,t2", ""));

        await client.PublishAsync(row, casMd5: null, CancellationToken.None);
        Assert.ThrowsAsync<ConfigCasConflictException>(() => client.PublishAsync(row, casMd5: "abc", CancellationToken.None));

        var form = Params(handler.Requests[0].Body);
        Assert.Multiple(() =>
        {
            Assert.That((handler.Requests[0].Method, handler.Requests[0].Uri.AbsolutePath), Is.EqualTo((HttpMethod.Post, "/nacos/v3/admin/cs/config")));
            Assert.That((form["dataId"], form["groupName"], form["namespaceId"], form["content"]), Is.EqualTo(("app.yaml", "G", "public", "a: 1")));
            Assert.That((form["type"], form["appName"], form["desc"], form["configTags"]), Is.EqualTo(("yaml", "shop", "the app", "t1,t2")),
                "ConfigForm names the tags configTags (v1 said config_tags)");
            Assert.That(handler.Requests, Has.Count.EqualTo(2), "a CAS publish is not retried");
        });
    }

    [Test]
    public async Task On_3_2_a_tenant_is_listed_page_by_page_and_each_content_read_with_the_admin_get()
    {
        // ConfigControllerV3.list → Result<Page<ConfigBasicInfo>> (id, namespaceId, groupName, dataId, md5, type, appName, createTime, modifyTime: no
        // content); ConfigControllerV3.getConfig → Result<ConfigDetailInfo> (ConfigBasicInfo + content, desc, encryptedDataKey, configTags, ...).
        var client = Client("3.2.0", (request, _) =>
        {
            var q = Params(request.RequestUri!.Query);
            return request.RequestUri.AbsolutePath.EndsWith("/list", StringComparison.Ordinal)
                ? Json(q["pageNo"] == "1"
                    ? """{"code":0,"message":"success","data":{"totalCount":3,"pageNumber":1,"pagesAvailable":2,"pageItems":[{"id":1,"namespaceId":"dev","groupName":"G","dataId":"a","md5":"x","type":"text","appName":"shop"},{"id":2,"namespaceId":"dev","groupName":"G","dataId":"b","md5":"y","type":"yaml","appName":""}]}}"""
                    : """{"code":0,"message":"success","data":{"totalCount":3,"pageNumber":2,"pagesAvailable":2,"pageItems":[{"id":3,"namespaceId":"dev","groupName":"H","dataId":"c","md5":"z","type":"json","appName":""}]}}""")
                : Json($$$"""{"code":0,"message":"success","data":{"id":1,"namespaceId":"dev","groupName":"{{{q["groupName"]}}}","dataId":"{{{q["dataId"]}}}","content":"content of {{{q["dataId"]}}}","desc":"","configTags":""}}""");
        }, out var handler);

        var read = new List<SearchedConfig>();
        await foreach (var config in client.SearchTenantAsync("dev", 2, CancellationToken.None))
        {
            read.Add(config);
        }

        Assert.Multiple(() =>
        {
            Assert.That(read.Select(c => (c.Key.ToString(), c.Content, c.Type)), Is.EqualTo(new[]
            {
                ("dev/G/a", "content of a", "text"), ("dev/G/b", "content of b", "yaml"), ("dev/H/c", "content of c", "json"),
            }));
            var list = Params(handler.Requests[0].Uri.Query);
            Assert.That((list["search"], list["namespaceId"], list["dataId"], list["groupName"]), Is.EqualTo(("accurate", "dev", "", "")),
                "blank dataId and groupName list the namespace");
        });
    }

    [Test]
    public async Task On_3_2_a_nodes_cache_is_checked_key_by_key_because_no_http_listener_exists()
    {
        var client = Client("3.2.0", (request, _) => Params(request.RequestUri!.Query)["dataId"] == "a"
            ? Json("""{"code":0,"message":"success","data":{"content":"1","md5":"c4ca4238a0b923820dcc509a6f75849b","contentType":"text"}}""")
            : Json("""{"code":20004,"message":"resource not found","data":null}"""), out var handler);

        var stale = await client.StaleOnNodeAsync(Node, [(App with { DataId = "a" }, "c4ca4238a0b923820dcc509a6f75849b"), (App with { DataId = "b" }, "ffff")],
            CancellationToken.None);

        Assert.That(stale, Is.EquivalentTo(new[] { App with { DataId = "b" } }), "a served md5 that matches is fresh; an absent key expected present is stale");
        Assert.That(handler.Requests.Select(r => r.Uri.AbsolutePath).Distinct(), Is.EqualTo(new[] { "/nacos/v3/client/cs/config" }));
    }

    [Test]
    public async Task On_3_0_reads_and_writes_stay_on_v1_while_nodes_search_and_local_cache_use_the_v3_admin_api()
    {
        // 3.0.3 ConfigController @Compatibility: publish/get/delete/listener are OPEN_API (served); search=accurate is CONSOLE_API (410).
        var client = Client("3.0.3", (request, _) => request.RequestUri!.AbsolutePath switch
        {
            "/nacos/v3/admin/core/cluster/node/list" => Json(
                """{"code":0,"message":"success","data":[{"ip":"10.0.0.1","port":8848,"state":"UP","address":"10.0.0.1:8848","extendInfo":{}},{"ip":"10.0.0.2","port":8848,"state":"DOWN","address":"10.0.0.2:8848"}]}"""),
            "/nacos/v3/admin/cs/ops/localCache" => Json("""{"code":0,"message":"success","data":"Local cache updated from store successfully!"}"""),
            "/nacos/v3/admin/cs/config/list" => Json("""{"code":0,"message":"success","data":{"totalCount":0,"pageNumber":1,"pagesAvailable":0,"pageItems":[]}}"""),
            _ => Json("true"),
        }, out var handler);

        await client.PublishAsync(new ConfigRow(App, "x", ConfigAttributes.Empty), casMd5: null, CancellationToken.None);
        var nodes = await client.ClusterNodesAsync(CancellationToken.None);
        await client.RefreshLocalCacheAsync(nodes[0], await client.Transport.GetServerVersionAsync(CancellationToken.None), CancellationToken.None);
        await foreach (var unused in client.SearchTenantAsync("public", 100, CancellationToken.None))
        {
            Assert.Fail("the page is empty");
        }

        Assert.Multiple(() =>
        {
            Assert.That(nodes, Is.EqualTo(new[] { Node }), "a DOWN member is left out");
            Assert.That(handler.Requests.Select(r => $"{r.Method} {r.Uri.AbsolutePath}"), Is.EqualTo(new[]
            {
                "POST /nacos/v1/cs/configs", "GET /nacos/v3/admin/core/cluster/node/list", "POST /nacos/v3/admin/cs/ops/localCache", "GET /nacos/v3/admin/cs/config/list",
            }));
        });
    }
}
