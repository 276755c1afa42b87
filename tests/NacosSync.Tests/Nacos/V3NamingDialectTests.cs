using System.Net;
using NacosSync.Core.Naming;
using NacosSync.Nacos.Naming;
using NacosSync.Nacos.Transport;

namespace NacosSync.Tests.Nacos;

/// <summary>
/// Naming on 3.2+ and 3.0–3.1. Requests and canned answers are taken from alibaba/nacos 3.x sources (each cited), not
/// from our sandbox, so the client and the sandbox cannot share a mistake:
/// <c>naming/src/main/java/com/alibaba/nacos/naming/controllers/v3/InstanceOpenApiController.java</c> (/v3/client/ns/instance),
/// <c>.../controllers/v3/InstanceControllerV3.java</c>, <c>ServiceControllerV3.java</c>, <c>HealthControllerV3.java</c>,
/// <c>naming/.../model/form/InstanceForm.java</c>, <c>api/.../model/v2/Result.java</c> and <c>ErrorCode.java</c>.
/// </summary>
[TestFixture]
internal sealed class V3NamingDialectTests
{
    private static readonly ServiceKey Orders = new("public", "G1", "orders");

    private static NamingInstance Replica(bool ephemeral = true) => new(new InstanceKey(Orders, "blue", "10.0.0.7", 8080), 2.5, Enabled: true, Healthy: true, ephemeral,
        new Dictionary<string, string>(StringComparer.Ordinal) { ["syncSource"] = "a" });

    private static NacosNamingClient Client(string version, Func<HttpRequestMessage, string, HttpResponseMessage> respond, out FakeNacosHandler handler)
    {
        handler = FakeNacosHandler.Serving(version, respond);
        return new NacosNamingClient(new NacosTransport(new NacosTransportOptions { Name = "target", Servers = [new Uri("http://10.0.0.1:8848")], MaxRetries = 0 },
            new HttpClient(handler)));
    }

    // Result.success("ok") → {"code":0,"message":"success","data":"ok"} (Result.java, ErrorCode.SUCCESS(0, "success")).
    private static HttpResponseMessage Ok() => FakeNacosHandler.Text(HttpStatusCode.OK, """{"code":0,"message":"success","data":"ok"}""");

    private static Dictionary<string, string> Form(string body) => body.Split('&', StringSplitOptions.RemoveEmptyEntries)
        .Select(p => p.Split('=', 2)).ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')), StringComparer.Ordinal);

    [Test]
    public async Task On_3_3_register_posts_the_instance_form_to_the_v3_client_api_with_a_bare_service_name()
    {
        var client = Client("3.3.0", (_, _) => Ok(), out var handler);

        await client.RegisterAsync(Replica(), CancellationToken.None);

        var (method, uri, body) = handler.Requests.Single();
        var form = Form(body);
        Assert.Multiple(() =>
        {
            Assert.That((method, uri.AbsolutePath), Is.EqualTo((HttpMethod.Post, "/nacos/v3/client/ns/instance")), "3.2+ has no v1 register (reference §8)");
            Assert.That(form["serviceName"], Is.EqualTo("orders"), "InstanceForm takes serviceName and groupName apart, not group@@name");
            Assert.That((form["groupName"], form["namespaceId"], form["clusterName"], form["ip"], form["port"]), Is.EqualTo(("G1", "public", "blue", "10.0.0.7", "8080")));
            Assert.That((form["weight"], form["ephemeral"], form["enabled"], form["healthy"]), Is.EqualTo(("2.5", "true", "true", "true")));
            Assert.That(form["metadata"], Is.EqualTo("{\"syncSource\":\"a\"}"), "InstanceUtil.buildInstance parses metadata as a JSON object string");
            Assert.That(form, Does.Not.ContainKey("heartBeat"), "heartBeat defaults to false: a register");
        });
    }

    [Test]
    public async Task A_v3_heartbeat_answered_21003_is_an_unknown_instance_to_register_again()
    {
        // InstanceOpenApiController.register(heartBeat=true): Result.failure(ErrorCode.INSTANCE_NOT_FOUND, null), HTTP 200.
        var client = Client("3.2.0", (_, _) => FakeNacosHandler.Text(HttpStatusCode.OK, """{"code":21003,"message":"instance not found","data":null}"""), out var handler);

        var outcome = await client.BeatAsync(Replica(), light: true, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(outcome, Is.EqualTo(BeatOutcome.UnknownInstance), "code 21003 means: register again with heartBeat=false");
            var (method, uri, body) = handler.Requests.Single();
            Assert.That((method, uri.AbsolutePath, Form(body)["heartBeat"]), Is.EqualTo((HttpMethod.Post, "/nacos/v3/client/ns/instance", "true")),
                "the v3 beat is POST /v3/client/ns/instance with heartBeat=true (reference §8)");
        });
    }

    [Test]
    public async Task A_full_v3_heartbeat_for_an_unknown_instance_registers_it_as_a_v1_full_beat_would()
    {
        var client = Client("3.3.0", (_, body) => body.Contains("heartBeat=true", StringComparison.Ordinal)
            ? FakeNacosHandler.Text(HttpStatusCode.OK, """{"code":21003,"message":"instance not found","data":null}""")
            : Ok(), out var handler);

        var outcome = await client.BeatAsync(Replica(), light: false, CancellationToken.None);

        Assert.That(outcome, Is.EqualTo(BeatOutcome.Ok));
        Assert.That(handler.Requests.Select(r => Form(r.Body).GetValueOrDefault("heartBeat", "register")), Is.EqualTo(new[] { "true", "register" }),
            "v3 has only the light beat; the full beat's 're-register an unknown instance' is a register after 21003");
    }

    [Test]
    public async Task On_3_2_the_catalog_is_the_admin_service_list_with_instances_including_disabled_ones_and_their_ephemeral_flag()
    {
        // CatalogServiceV2Impl.pageListServiceDetail → Page<ServiceDetailInfo>; ClusterInfo.hosts are api/.../naming/pojo/Instance.java.
        const string page = """
            {"code":0,"message":"success","data":{"totalCount":1,"pageNumber":1,"pagesAvailable":1,"pageItems":[
              {"namespaceId":"public","serviceName":"orders","groupName":"G1","metadata":{},"protectThreshold":0.0,"clusterMap":{"blue":{"clusterName":"blue",
                "healthChecker":{"type":"TCP"},"metadata":{},"hosts":[
                {"instanceId":"10.0.0.7#8080#blue#G1@@orders","ip":"10.0.0.7","port":8080,"weight":2.5,"healthy":false,"enabled":false,"ephemeral":false,
                 "clusterName":"blue","serviceName":"G1@@orders","metadata":{"k":"v"},"instanceHeartBeatInterval":5000,"instanceHeartBeatTimeOut":15000,
                 "ipDeleteTimeout":30000}]}}}]}}
            """;
        var client = Client("3.2.0", (_, _) => FakeNacosHandler.Text(HttpStatusCode.OK, page), out var handler);

        var services = await client.ReadCatalogAsync("public", defaultEphemeral: true, CancellationToken.None);

        var instance = services!.Single().Instances.Single();
        var query = handler.Requests.Single().Uri;
        Assert.Multiple(() =>
        {
            Assert.That(query.AbsolutePath, Is.EqualTo("/nacos/v3/admin/ns/service/list"));
            Assert.That(query.Query, Does.Contain("withInstances=true").And.Contain("pageSize=100000").And.Contain("ignoreEmptyService=false"),
                "ServiceListForm.withInstances; one big page (PageForm allows any size ≥ 1)");
            Assert.That(instance.Key, Is.EqualTo(new InstanceKey(Orders, "blue", "10.0.0.7", 8080)));
            Assert.That((instance.Enabled, instance.Healthy, instance.Ephemeral, instance.Weight), Is.EqualTo((false, false, false, 2.5)),
                "disabled kept, and the v3 Instance says ephemeral itself (the default is not used)");
        });
    }

    [Test]
    public void A_v3_service_without_a_cluster_map_is_an_error_not_an_empty_service()
    {
        // A server that ignored withInstances answers ServiceView items (ServiceView.java: name, groupName, ipCount...): reading those as
        // empty services would deregister every replica.
        var client = Client("3.3.0", (_, _) => FakeNacosHandler.Text(HttpStatusCode.OK,
            """{"code":0,"message":"success","data":{"totalCount":1,"pageNumber":1,"pagesAvailable":1,"pageItems":[{"name":"orders","groupName":"G1","ipCount":3}]}}"""), out _);

        Assert.ThrowsAsync<NacosMalformedResponseException>(() => client.ReadCatalogAsync("public", true, CancellationToken.None));
    }

    [Test]
    public async Task On_3_2_one_service_is_listed_from_the_admin_catalog_because_the_client_list_answers_the_default_cluster_only()
    {
        // InstanceListForm.fillDefaultValue: a blank clusterName becomes DEFAULT, so /v3/client/ns/instance/list cannot list every cluster.
        const string page = """
            {"code":0,"message":"success","data":{"totalCount":2,"pageNumber":1,"pagesAvailable":1,"pageItems":[
              {"serviceName":"orders","groupName":"G1","clusterMap":{"blue":{"hosts":[{"ip":"10.0.0.7","port":8080,"weight":1.0,"healthy":true,"enabled":false,"ephemeral":true,"clusterName":"blue","metadata":{}}]}}},
              {"serviceName":"orders-old","groupName":"G1","clusterMap":{}}]}}
            """;
        var client = Client("3.2.1", (_, _) => FakeNacosHandler.Text(HttpStatusCode.OK, page), out var handler);

        var read = await client.ListInstancesAsync(Orders, CancellationToken.None, udpPort: 4000, clientIp: "10.9.9.9");

        Assert.Multiple(() =>
        {
            Assert.That(read.Service.Key, Is.EqualTo(Orders), "the server's filter is 'contains': the exact service is picked");
            Assert.That(read.Service.Instances.Single().Enabled, Is.False);
            Assert.That(read.IncludesDisabled, Is.True, "the admin catalog shows disabled instances; the caller is told so");
            Assert.That(handler.Requests.Single().Uri.Query, Does.Contain("serviceNameParam=orders").And.Contain("groupNameParam=G1").And.Not.Contain("udpPort"),
                "no push subscription exists over v3 HTTP");
        });
    }

    [Test]
    public async Task On_3_0_client_calls_stay_on_v1_while_update_and_health_go_to_the_v3_admin_api()
    {
        // 3.0.3 @Compatibility: v1 register/beat/list are OPEN_API (still served), v1 update and health are ADMIN_API (410).
        var client = Client("3.0.3", (request, _) => request.RequestUri!.AbsolutePath.StartsWith("/nacos/v3/", StringComparison.Ordinal) ? Ok() : FakeNacosHandler.Text(HttpStatusCode.OK, "ok"), out var handler);

        await client.RegisterAsync(Replica(), CancellationToken.None);
        await client.UpdateAsync(Replica(), CancellationToken.None);
        await client.SetHealthAsync(Replica(ephemeral: false), CancellationToken.None);
        await client.DeregisterAsync(Replica(), CancellationToken.None);

        Assert.That(handler.Requests.Select(r => $"{r.Method} {r.Uri.AbsolutePath}"), Is.EqualTo(new[]
        {
            "POST /nacos/v1/ns/instance", "PUT /nacos/v3/admin/ns/instance", "PUT /nacos/v3/admin/ns/health/instance", "DELETE /nacos/v1/ns/instance",
        }));
        Assert.That(Form(handler.Requests[1].Body)["serviceName"], Is.EqualTo("orders"), "the v3 admin form takes the bare service name too");
    }

    [Test]
    public async Task On_3_x_namespaces_come_from_the_v3_admin_list_and_one_that_exists_already_is_created_without_error()
    {
        // NamespaceControllerV3: GET /list → Result<List<Namespace>>; POST (NamespaceForm namespaceId, namespaceName, namespaceDesc);
        // an existing id: NacosApiException(400, NAMESPACE_ALREADY_EXIST 22002) rendered by NacosApiExceptionHandler as Result(code, errAbstract, errMsg).
        var client = Client("3.3.0", (request, _) => request.Method == HttpMethod.Get
            ? FakeNacosHandler.Text(HttpStatusCode.OK, """{"code":0,"message":"success","data":[{"namespace":"public","namespaceShowName":"public","namespaceDesc":"Public Namespace","quota":200,"configCount":0,"type":0},{"namespace":"dev","namespaceShowName":"Dev","namespaceDesc":"","quota":200,"configCount":1,"type":2}]}""")
            : FakeNacosHandler.Text(HttpStatusCode.BadRequest, """{"code":22002,"message":"namespace already exist","data":"namespaceId [dev] already exist."}"""), out var handler);

        var namespaces = await client.ListNamespacesAsync(CancellationToken.None);
        await client.CreateNamespaceAsync("dev", "Dev", "copied from a", CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(namespaces.Select(n => (n.Id, n.Name)), Is.EqualTo(new[] { ("public", "public"), ("dev", "Dev") }));
            var create = Form(handler.Requests[1].Body);
            Assert.That((handler.Requests[1].Uri.AbsolutePath, create["namespaceId"], create["namespaceName"], create["namespaceDesc"]),
                Is.EqualTo(("/nacos/v3/admin/core/namespace", "dev", "Dev", "copied from a")), "created with its name and description");
        });
    }

    [Test]
    public void The_service_filter_escapes_java_regex_characters_the_server_would_otherwise_interpret()
    {
        // CatalogServiceV2Impl.patternServices matches ".*" + group + ".*@@.*" + name + ".*" with String.matches.
        Assert.Multiple(() =>
        {
            Assert.That(V3NamingDialect.Pattern("orders.v2-a_b:c"), Is.EqualTo("orders.v2-a_b:c"), "common names pass unchanged");
            Assert.That(V3NamingDialect.Pattern("a(b)[c]+$"), Is.EqualTo("a\\(b\\)\\[c\\]\\+\\$"));
        });
    }
}
