using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Sandbox;

/// <summary>
/// The v3 naming API, facts read from alibaba/nacos 3.0.3: naming/controllers/v3/InstanceOpenApiController.java (client),
/// InstanceControllerV3.java and ServiceControllerV3.java (admin), model/form/InstanceForm.java, api/model/v2/Result.java
/// and ErrorCode.java (21003 INSTANCE_NOT_FOUND, 10000 PARAMETER_MISSING, 21004 INSTANCE_ERROR).
/// </summary>
[TestFixture]
internal sealed class SandboxV3NamingTests
{
    private const string ClientInstance = "/nacos/v3/client/ns/instance";
    private const string AdminInstance = "/nacos/v3/admin/ns/instance";

    private static Dictionary<string, string> Instance(string service, string ip, params (string Key, string Value)[] extra) =>
        V3SandboxKit.Form([("namespaceId", "public"), ("groupName", "DEFAULT_GROUP"), ("serviceName", service), ("ip", ip), ("port", "8080"), .. extra]);

    [Test]
    public async Task The_client_api_registers_beats_and_answers_21003_with_http_200_for_an_unknown_instance()
    {
        await using var cluster = await V3SandboxKit.StartAsync(NacosVersionProfile.V3_2);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);

        var register = await client.SendAsync(HttpMethod.Post, ClientInstance, Instance("svc", "10.0.0.1"));
        var beat = await client.SendAsync(HttpMethod.Post, ClientInstance, Instance("svc", "10.0.0.1", ("heartBeat", "true")));
        var unknown = await client.JsonAsync(HttpMethod.Post, ClientInstance, Instance("svc", "10.0.0.9", ("heartBeat", "true")));
        var missingIp = await client.JsonAsync(HttpMethod.Post, ClientInstance, V3SandboxKit.Form(("serviceName", "svc"), ("port", "8080")));
        var list = await client.GetJsonAsync($"{ClientInstance}/list?serviceName=svc&groupName=DEFAULT_GROUP&namespaceId=public");

        Assert.Multiple(() =>
        {
            Assert.That(register, Is.EqualTo((200, "{\"code\":0,\"message\":\"success\",\"data\":\"ok\"}")), "Result.success(\"ok\")");
            Assert.That(beat, Is.EqualTo((200, "{\"code\":0,\"message\":\"success\",\"data\":\"ok\"}")), "a beat for a known instance is ok");
            Assert.That(unknown.Status, Is.EqualTo(200), "the controller returns Result.failure, it does not throw: HTTP 200");
            Assert.That((int?)unknown.Body!["code"], Is.EqualTo(21003), "INSTANCE_NOT_FOUND tells the caller to register again");
            Assert.That((string?)unknown.Body["message"], Is.EqualTo("instance not found"));
            Assert.That(missingIp.Status, Is.EqualTo(400), "InstanceForm.validate throws NacosApiException(400)");
            Assert.That((int?)missingIp.Body!["code"], Is.EqualTo(10000), "PARAMETER_MISSING");
            Assert.That((string?)missingIp.Body["data"], Is.EqualTo("Required parameter 'ip' type String is not present"), "the detail is the data");
            Assert.That((string?)list["data"]![0]!["ip"], Is.EqualTo("10.0.0.1"), "the list's data is the Instance array");
            Assert.That((string?)list["data"]![0]!["serviceName"], Is.EqualTo("DEFAULT_GROUP@@svc"), "Instance.serviceName is the grouped name");
            Assert.That((string?)list["data"]![0]!["clusterName"], Is.EqualTo("DEFAULT"), "clusterName defaults to DEFAULT");
            Assert.That((bool?)list["data"]![0]!["ephemeral"], Is.True, "ephemeral by default");
        });
    }

    [Test]
    public async Task The_client_list_drops_disabled_instances_that_the_admin_list_and_detail_show_after_an_admin_update()
    {
        await using var cluster = await V3SandboxKit.StartAsync(NacosVersionProfile.V3_2);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        using var admin = V3SandboxKit.AdminClient(cluster.Nodes[0]);
        await client.SendAsync(HttpMethod.Post, ClientInstance, Instance("svc", "10.0.0.1"));
        await client.SendAsync(HttpMethod.Post, ClientInstance, Instance("svc", "10.0.0.2"));

        var update = await admin.SendAsync(HttpMethod.Put, AdminInstance, Instance("svc", "10.0.0.2", ("enabled", "false"), ("weight", "3"), ("metadata", "{\"zone\":\"b\"}")));
        var clientList = await client.GetJsonAsync($"{ClientInstance}/list?serviceName=svc");
        var adminList = await admin.GetJsonAsync($"{AdminInstance}/list?serviceName=svc");
        var detail = await admin.GetJsonAsync($"{AdminInstance}?serviceName=svc&ip=10.0.0.2&port=8080");
        var unknownService = await admin.JsonAsync(HttpMethod.Put, AdminInstance, Instance("nosuch", "10.0.0.2"));
        var unknownList = await admin.JsonAsync(HttpMethod.Get, $"{AdminInstance}/list?serviceName=nosuch");

        Assert.Multiple(() =>
        {
            Assert.That(update.Status, Is.EqualTo(200), $"admin update answers ok: {update.Body}");
            Assert.That(clientList["data"]!.AsArray().Select(i => (string?)i!["ip"]), Is.EqualTo(new[] { "10.0.0.1" }), "the client list never returns enabled=false");
            Assert.That(adminList["data"]!.AsArray().Select(i => (string?)i!["ip"]), Is.EquivalentTo(new[] { "10.0.0.1", "10.0.0.2" }), "the admin list keeps disabled instances");
            Assert.That((bool?)detail["data"]!["enabled"], Is.False, "the detail shows the update");
            Assert.That((double?)detail["data"]!["weight"], Is.EqualTo(3), "weight updated");
            Assert.That((string?)detail["data"]!["metadata"]!["zone"], Is.EqualTo("b"), "metadata updated");
            Assert.That(unknownService.Status, Is.EqualTo(400), "updateInstance of an unknown service: NacosApiException(INVALID_PARAM)");
            Assert.That((int?)unknownService.Body!["code"], Is.EqualTo(21004), "INSTANCE_ERROR");
            Assert.That(unknownList.Status, Is.EqualTo(404), "CatalogServiceV2Impl.listInstances: NacosException(NOT_FOUND)");
            Assert.That((string?)unknownList.Body!["data"], Is.EqualTo("service DEFAULT_GROUP@@nosuch is not found!"));
        });
    }

    [Test]
    public async Task The_admin_service_list_is_a_page_over_every_group_that_keeps_empty_services_unless_asked()
    {
        await using var cluster = await V3SandboxKit.StartAsync(NacosVersionProfile.V3_2);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        using var admin = V3SandboxKit.AdminClient(cluster.Nodes[0]);
        await client.SendAsync(HttpMethod.Post, ClientInstance, Instance("alpha", "10.0.0.1"));
        await client.SendAsync(HttpMethod.Post, ClientInstance, V3SandboxKit.Form(("groupName", "OTHER"), ("serviceName", "beta"), ("ip", "10.0.0.2"), ("port", "1")));
        await client.SendAsync(HttpMethod.Post, ClientInstance, Instance("gamma", "10.0.0.3"));
        await client.SendAsync(HttpMethod.Delete, ClientInstance, Instance("gamma", "10.0.0.3"));

        var all = await admin.GetJsonAsync("/nacos/v3/admin/ns/service/list?namespaceId=public&pageNo=1&pageSize=2");
        var second = await admin.GetJsonAsync("/nacos/v3/admin/ns/service/list?namespaceId=public&pageNo=2&pageSize=2");
        var nonEmpty = await admin.GetJsonAsync("/nacos/v3/admin/ns/service/list?ignoreEmptyService=true");
        var badPage = await admin.JsonAsync(HttpMethod.Get, "/nacos/v3/admin/ns/service/list?pageNo=0");
        var page = all["data"]!;

        Assert.Multiple(() =>
        {
            Assert.That((int?)page["totalCount"], Is.EqualTo(3), "ignoreEmptyService defaults to false (ServiceListForm): the emptied service counts");
            Assert.That((int?)page["pageNumber"], Is.EqualTo(1), "Page.pageNumber");
            Assert.That((int?)page["pagesAvailable"], Is.EqualTo(2), "Page.pagesAvailable");
            Assert.That(page["pageItems"]!.AsArray(), Has.Count.EqualTo(2), "pageSize items");
            Assert.That(second["data"]!["pageItems"]!.AsArray(), Has.Count.EqualTo(1), "the last page holds the rest (no catalog short-list quirk)");
            Assert.That(nonEmpty["data"]!["pageItems"]!.AsArray().Select(s => (string?)s!["name"]), Is.EquivalentTo(new[] { "alpha", "beta" }), "every group; empty services dropped on request");
            Assert.That((string?)nonEmpty["data"]!["pageItems"]!.AsArray().Single(s => (string?)s!["name"] == "beta")!["groupName"], Is.EqualTo("OTHER"), "ServiceView.groupName");
            Assert.That((string?)page["pageItems"]![0]!["triggerFlag"], Is.EqualTo("false"), "ServiceView.triggerFlag is a string");
            Assert.That((int?)page["pageItems"]![0]!["ipCount"], Is.EqualTo(1), "ServiceView.ipCount");
            Assert.That(badPage.Status, Is.EqualTo(400), "PageForm.validate refuses pageNo 0");
            Assert.That((int?)badPage.Body!["code"], Is.EqualTo(20002), "PARAMETER_VALIDATE_ERROR");
        });
    }

    /// <summary>ServiceControllerV3.list with <c>withInstances=true</c> → CatalogServiceV2Impl.pageListServiceDetail: a Page of ServiceDetailInfo (no ignoreEmptyService), each cluster's ClusterInfo.hosts from ServiceStorage.getData (every instance, disabled included).</summary>
    [Test]
    public async Task The_admin_service_list_with_instances_answers_every_service_with_every_instance_by_cluster()
    {
        await using var cluster = await V3SandboxKit.StartAsync(NacosVersionProfile.V3_2);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        using var admin = V3SandboxKit.AdminClient(cluster.Nodes[0]);
        await client.SendAsync(HttpMethod.Post, ClientInstance, Instance("alpha", "10.0.0.1"));
        await client.SendAsync(HttpMethod.Post, ClientInstance, Instance("alpha", "10.0.0.2", ("clusterName", "EDGE")));
        await admin.SendAsync(HttpMethod.Put, AdminInstance, Instance("alpha", "10.0.0.1", ("enabled", "false")));
        await client.SendAsync(HttpMethod.Post, ClientInstance, V3SandboxKit.Form(("groupName", "OTHER"), ("serviceName", "beta"), ("ip", "10.0.0.3"), ("port", "1")));
        await client.SendAsync(HttpMethod.Post, ClientInstance, Instance("gamma", "10.0.0.4"));
        await client.SendAsync(HttpMethod.Delete, ClientInstance, Instance("gamma", "10.0.0.4"));

        var page = (await admin.GetJsonAsync("/nacos/v3/admin/ns/service/list?namespaceId=public&withInstances=true&ignoreEmptyService=true&pageNo=1&pageSize=10"))["data"]!;
        var items = page["pageItems"]!.AsArray();
        var alpha = items.Single(s => (string?)s!["serviceName"] == "alpha")!;
        var gamma = items.SingleOrDefault(s => (string?)s!["serviceName"] == "gamma");

        Assert.Multiple(() =>
        {
            Assert.That((int?)page["totalCount"], Is.EqualTo(3), "pageListServiceDetail does not look at ignoreEmptyService");
            Assert.That(items.Select(s => (string?)s!["groupName"]), Is.EquivalentTo(new[] { "DEFAULT_GROUP", "OTHER", "DEFAULT_GROUP" }), "every group");
            Assert.That(alpha["clusterMap"]!.AsObject().Select(c => c.Key), Is.EquivalentTo(new[] { "DEFAULT", "EDGE" }), "clusterMap keyed by Instance.clusterName");
            Assert.That((string?)alpha["clusterMap"]!["DEFAULT"]!["hosts"]![0]!["ip"], Is.EqualTo("10.0.0.1"), "ClusterInfo.hosts are Instances");
            Assert.That((bool?)alpha["clusterMap"]!["DEFAULT"]!["hosts"]![0]!["enabled"], Is.False, "ServiceStorage.getData keeps disabled instances");
            Assert.That((bool?)alpha["clusterMap"]!["EDGE"]!["hosts"]![0]!["ephemeral"], Is.True, "Instance.ephemeral is part of the host");
            Assert.That((string?)alpha["clusterMap"]!["DEFAULT"]!["hosts"]![0]!["serviceName"], Is.EqualTo("DEFAULT_GROUP@@alpha"), "Instance.serviceName is the grouped name");
            Assert.That(alpha["name"], Is.Null, "ServiceDetailInfo has serviceName, not ServiceView.name");
            Assert.That(gamma?["clusterMap"]?.AsObject(), Is.Empty, "an emptied service is listed with an empty clusterMap");
        });
    }

    [Test]
    public async Task The_admin_node_list_names_every_member_with_its_state()
    {
        await using var cluster = await V3SandboxKit.StartAsync(NacosVersionProfile.V3_3, nodes: 2, configure: o => o.AuthEnabled = false);
        using var admin = V3SandboxKit.AdminClient(cluster.Nodes[0]);
        await cluster.Nodes[1].StopAsync();

        var nodes = await admin.GetJsonAsync("/nacos/v3/admin/core/cluster/node/list");
        var up = await admin.GetJsonAsync("/nacos/v3/admin/core/cluster/node/list?state=UP");

        Assert.Multiple(() =>
        {
            Assert.That(nodes["data"]!.AsArray().Select(n => (string?)n!["address"]), Is.EqualTo(cluster.ServerAddresses), "Result.success(members), address = ip:port");
            Assert.That(nodes["data"]!.AsArray().Select(n => (string?)n!["state"]), Is.EqualTo(new[] { "UP", "DOWN" }), "a stopped node is DOWN");
            Assert.That(up["data"]!.AsArray(), Has.Count.EqualTo(1), "the state filter of NacosClusterControllerV3.listNodes");
        });
    }
}
