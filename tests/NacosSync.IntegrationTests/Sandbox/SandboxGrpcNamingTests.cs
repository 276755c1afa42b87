using System.Text.Json.Nodes;
using NacosSync.IntegrationTests.Infrastructure;

namespace NacosSync.IntegrationTests.Sandbox;

/// <summary>
/// Connection-owned ephemeral instances and subscriptions over gRPC, against facts read in alibaba/nacos
/// naming/src/main/java/com/alibaba/nacos/naming/remote/rpc/handler/ and
/// core/v2/service/impl/EphemeralClientOperationServiceImpl.java (reference §9).
/// </summary>
[TestFixture]
internal sealed class SandboxGrpcNamingTests
{
    [Test]
    public async Task A_registered_instance_shows_in_the_http_list_and_a_second_register_of_the_service_replaces_it()
    {
        await using var cluster = await SandboxTestKit.StartAsync(nodes: 2);
        await using var client = await GrpcTestClient.ConnectAsync(cluster.Nodes[0]);
        using var http = SandboxTestKit.Client(cluster.Nodes[1]);

        var first = await GrpcNaming.RegisterAsync(client, "svc", "10.0.0.1", 8080);
        var afterFirst = await http.GetJsonAsync("/nacos/v1/ns/instance/list?serviceName=svc");
        await GrpcNaming.RegisterAsync(client, "svc", "10.0.0.2", 8080);
        var afterSecond = await http.GetJsonAsync("/nacos/v1/ns/instance/list?serviceName=svc");
        var deregister = await GrpcNaming.DeregisterAsync(client, "svc", "10.9.9.9", 1);
        var afterDeregister = await http.GetJsonAsync("/nacos/v1/ns/instance/list?serviceName=svc");

        Assert.Multiple(() =>
        {
            Assert.That(first.Type, Is.EqualTo("InstanceResponse"), "InstanceRequestHandler answers InstanceResponse");
            Assert.That((string?)first.Body["type"], Is.EqualTo("registerInstance"), "echoing NamingRemoteConstants.REGISTER_INSTANCE");
            Assert.That(GrpcNaming.Hosts(afterFirst), Is.EqualTo(new[] { "10.0.0.1:8080" }), "the HTTP list of any node reads the same naming data");
            Assert.That((string?)afterFirst["hosts"]![0]!["metadata"]!["from"], Is.EqualTo("grpc"), "metadata kept");
            Assert.That(GrpcNaming.Hosts(afterSecond), Is.EqualTo(new[] { "10.0.0.2:8080" }),
                "one instance per service per connection: Client.addServiceInstance replaces the publish info");
            Assert.That((string?)deregister.Body["type"], Is.EqualTo("deregisterInstance"), "echoing DE_REGISTER_INSTANCE");
            Assert.That(GrpcNaming.Hosts(afterDeregister), Is.Empty,
                "deregister removes the connection's instance of the service whatever ip:port it names (removeServiceInstance(service))");
        });
    }

    [Test]
    public async Task A_batch_register_replaces_the_connection_set_for_the_service_and_leaves_other_connections_alone()
    {
        await using var cluster = await SandboxTestKit.StartAsync();
        await using var batcher = await GrpcTestClient.ConnectAsync(cluster.Nodes[0]);
        await using var other = await GrpcTestClient.ConnectAsync(cluster.Nodes[0]);
        using var http = SandboxTestKit.Client(cluster.Nodes[0]);

        await GrpcNaming.RegisterAsync(other, "svc", "10.0.1.1", 80);
        var batch = await GrpcNaming.BatchRegisterAsync(batcher, "svc", ("10.0.0.1", 80), ("10.0.0.2", 80), ("10.0.0.3", 80));
        var afterFirst = await http.GetJsonAsync("/nacos/v1/ns/instance/list?serviceName=svc");
        await GrpcNaming.BatchRegisterAsync(batcher, "svc", ("10.0.0.3", 80), ("10.0.0.4", 80));
        var afterSecond = await http.GetJsonAsync("/nacos/v1/ns/instance/list?serviceName=svc");

        Assert.Multiple(() =>
        {
            Assert.That(batch.Type, Is.EqualTo("BatchInstanceResponse"), "BatchInstanceRequestHandler's response");
            Assert.That((string?)batch.Body["type"], Is.EqualTo("batchRegisterInstance"), "echoing BATCH_REGISTER_INSTANCE");
            Assert.That(GrpcNaming.Hosts(afterFirst), Is.EqualTo(new[] { "10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80", "10.0.1.1:80" }), "the batch joins the other connection's instance");
            Assert.That(GrpcNaming.Hosts(afterSecond), Is.EqualTo(new[] { "10.0.0.3:80", "10.0.0.4:80", "10.0.1.1:80" }),
                "a batch replaces the connection's whole set for the service (BatchInstancePublishInfo), not the other connection's");
        });
    }

    [Test]
    public async Task Dropping_a_connection_removes_all_its_instances_at_once_and_pushes_the_subscribers()
    {
        await using var cluster = await SandboxTestKit.StartAsync(nodes: 2);
        var owner = await GrpcTestClient.ConnectAsync(cluster.Nodes[0]);
        await using var watcher = await GrpcTestClient.ConnectAsync(cluster.Nodes[1]);
        using var http = SandboxTestKit.Client(cluster.Nodes[0]);
        await GrpcNaming.RegisterAsync(owner, "orders", "10.0.0.1", 80);
        await GrpcNaming.RegisterAsync(owner, "payments", "10.0.0.1", 81);
        var subscribed = await GrpcNaming.SubscribeAsync(watcher, "orders");

        await owner.DisposeAsync();
        var push = await watcher.NextPushAsync("NotifySubscriberRequest");
        var orders = await http.GetJsonAsync("/nacos/v1/ns/instance/list?serviceName=orders");
        var payments = await http.GetJsonAsync("/nacos/v1/ns/instance/list?serviceName=payments");

        Assert.Multiple(() =>
        {
            Assert.That(GrpcNaming.Hosts(subscribed.Body["serviceInfo"]), Is.EqualTo(new[] { "10.0.0.1:80" }), "the subscription answers the current instances");
            Assert.That((string?)push.Body["serviceInfo"]!["name"], Is.EqualTo("orders"), "the pushed ServiceInfo names the service without its group");
            Assert.That((string?)push.Body["serviceInfo"]!["groupName"], Is.EqualTo("DEFAULT_GROUP"), "the group is apart");
            Assert.That(GrpcNaming.Hosts(push.Body["serviceInfo"]), Is.Empty, "the subscriber (on another node) is told the instance is gone");
            Assert.That(GrpcNaming.Hosts(orders), Is.Empty, "all the connection's instances vanish at once (reference §9)");
            Assert.That(GrpcNaming.Hosts(payments), Is.Empty, "in every service it held");
        });
    }

    [Test]
    public async Task A_subscription_answers_the_service_info_and_each_change_of_the_service_is_pushed()
    {
        await using var cluster = await SandboxTestKit.StartAsync();
        await using var watcher = await GrpcTestClient.ConnectAsync(cluster.Nodes[0]);
        await using var writer = await GrpcTestClient.ConnectAsync(cluster.Nodes[0]);
        using var http = SandboxTestKit.Client(cluster.Nodes[0]);

        var subscribed = await GrpcNaming.SubscribeAsync(watcher, "svc");
        await GrpcNaming.RegisterAsync(writer, "svc", "10.0.0.1", 80);
        var first = await watcher.NextPushAsync("NotifySubscriberRequest");
        var httpRegister = await http.SendAsync(HttpMethod.Post, "/nacos/v1/ns/instance?serviceName=svc&ip=10.0.0.2&port=80");
        var second = await watcher.NextPushAsync("NotifySubscriberRequest");
        await GrpcNaming.SubscribeAsync(watcher, "svc", subscribe: false);
        await GrpcNaming.RegisterAsync(writer, "svc", "10.0.0.3", 80);
        var query = await watcher.RequestAsync("ServiceQueryRequest", GrpcNaming.Base("svc", new JsonObject { ["cluster"] = "", ["healthyOnly"] = false, ["udpPort"] = 0 }));

        Assert.Multiple(() =>
        {
            Assert.That(subscribed.Type, Is.EqualTo("SubscribeServiceResponse"), "SubscribeServiceRequestHandler's response");
            Assert.That((string?)subscribed.Body["message"], Is.EqualTo("success"), "built with (SUCCESS, \"success\", serviceInfo)");
            Assert.That(GrpcNaming.Hosts(subscribed.Body["serviceInfo"]), Is.Empty, "nothing registered yet");
            Assert.That((string?)first.Body["module"], Is.EqualTo("naming"), "NotifySubscriberRequest.getModule");
            Assert.That((string?)first.Body["requestId"], Is.Not.Empty, "a push to be answered by requestId");
            Assert.That(GrpcNaming.Hosts(first.Body["serviceInfo"]), Is.EqualTo(new[] { "10.0.0.1:80" }), "pushed on the gRPC register");
            Assert.That((long?)first.Body["serviceInfo"]!["cacheMillis"], Is.EqualTo(10000), "the push cache millis");
            Assert.That(httpRegister.Status, Is.EqualTo(200), "HTTP register");
            Assert.That(GrpcNaming.Hosts(second.Body["serviceInfo"]), Is.EqualTo(new[] { "10.0.0.1:80", "10.0.0.2:80" }), "pushed on an HTTP change of the same service too");
            Assert.That(query.Type, Is.EqualTo("QueryServiceResponse"), "ServiceQueryRequestHandler's response");
            Assert.That(GrpcNaming.Hosts(query.Body["serviceInfo"]), Is.EqualTo(new[] { "10.0.0.2:80", "10.0.0.3:80" }),
                "the query reads the current instances: the writer's second register replaced its first, the HTTP one stays");
            Assert.That(watcher.Pushes.Reader.TryRead(out var late) ? late.Type : null, Is.Null.Or.Not.EqualTo("NotifySubscriberRequest"),
                "no push after unsubscribing");
        });
    }

    [Test]
    public async Task Registering_into_a_persistent_service_is_refused_with_the_runtime_exception_of_the_client_operation_service()
    {
        await using var cluster = await SandboxTestKit.StartAsync();
        await using var client = await GrpcTestClient.ConnectAsync(cluster.Nodes[0]);
        using var http = SandboxTestKit.Client(cluster.Nodes[0]);
        await http.SendAsync(HttpMethod.Post, "/nacos/v1/ns/instance?serviceName=p&ip=10.0.0.1&port=80&ephemeral=false");

        var refused = await client.RequestAsync("InstanceRequest", GrpcNaming.Base("p", new JsonObject { ["type"] = "registerInstance", ["instance"] = GrpcNaming.Instance("10.0.0.2", 80) }));
        var unknownType = await client.RequestAsync("InstanceRequest", GrpcNaming.Base("p", new JsonObject { ["type"] = "updateInstance", ["instance"] = GrpcNaming.Instance("10.0.0.2", 80) }));

        Assert.Multiple(() =>
        {
            Assert.That(refused.Type, Is.EqualTo("ErrorResponse"), "a thrown exception is answered by ErrorResponse.build(Throwable)");
            Assert.That((int?)refused.Body["errorCode"], Is.EqualTo(400), "NacosException.INVALID_PARAM");
            Assert.That((int?)refused.Body["resultCode"], Is.EqualTo(400), "ErrorResponse.build(Throwable) sets resultCode to the error code");
            Assert.That((string?)refused.Body["message"],
                Is.EqualTo("errCode: 400, errMsg: Current service DEFAULT_GROUP@@p is persistent service, can't register ephemeral instance. "),
                "EphemeralClientOperationServiceImpl's text in NacosRuntimeException's ERROR_MESSAGE_FORMAT");
            Assert.That((string?)unknownType.Body["message"], Is.EqualTo("Unsupported request type updateInstance"), "InstanceRequestHandler's NacosException text");
        });
    }

    [Test]
    public async Task Connection_owned_instances_need_no_beats_and_an_http_deregister_of_their_address_leaves_them()
    {
        var clock = new FakeTimeProvider(TestTime.Start);
        await using var cluster = await SandboxTestKit.StartAsync(clock: clock);
        await using var client = await GrpcTestClient.ConnectAsync(cluster.Nodes[0]);
        using var http = SandboxTestKit.Client(cluster.Nodes[0]);
        await GrpcNaming.RegisterAsync(client, "svc", "10.0.0.1", 80);

        for (var second = 0; second < 40; second += 5)
        {
            clock.Advance(TimeSpan.FromSeconds(5));
            await cluster.RunMaintenanceAsync();
            await Poll.UntilAsync(() => cluster.Nodes[0].GrpcPushesAwaitingAnswer == 0, "the client answered any probe");
        }

        var afterSilence = await http.GetJsonAsync("/nacos/v1/ns/instance/list?serviceName=svc");
        var httpDeregister = await http.SendAsync(HttpMethod.Delete, "/nacos/v1/ns/instance?serviceName=svc&ip=10.0.0.1&port=80");
        var afterHttpDeregister = await http.GetJsonAsync("/nacos/v1/ns/instance/list?serviceName=svc");

        Assert.Multiple(() =>
        {
            Assert.That(GrpcNaming.Hosts(afterSilence), Is.EqualTo(new[] { "10.0.0.1:80" }),
                "40 s without beats: a connection-based client is held by its connection, not by the 15 s / 30 s beat timeouts (reference §9)");
            Assert.That((bool?)afterSilence["hosts"]![0]!["healthy"], Is.True, "and stays healthy");
            Assert.That(httpDeregister.Status, Is.EqualTo(200), "HTTP deregister answers ok");
            Assert.That(GrpcNaming.Hosts(afterHttpDeregister), Is.EqualTo(new[] { "10.0.0.1:80" }),
                "an HTTP deregister addresses the ip:port client, not the connection's instance");
        });
    }

    [Test]
    public async Task A_register_that_races_the_connection_drop_leaves_no_instance_behind()
    {
        await using var cluster = await SandboxTestKit.StartAsync();
        var node = cluster.Nodes[0];
        await using var client = await GrpcTestClient.ConnectAsync(node);
        var connection = node.Grpc.Connections.Find(client.ConnectionId)!;
        var handler = NacosSync.Sandbox.Grpc.GrpcHandlers.For(node.Grpc.Profile)["InstanceRequest"];
        var payload = new NacosSync.Nacos.Protocol.Payload
        {
            Metadata = new NacosSync.Nacos.Protocol.Metadata { Type = "InstanceRequest" },
            Body = new Google.Protobuf.WellKnownTypes.Any
            {
                Value = Google.Protobuf.ByteString.CopyFromUtf8(GrpcNaming.Base("svc", new JsonObject { ["type"] = "registerInstance", ["instance"] = GrpcNaming.Instance("10.0.0.1", 80) }).ToJsonString()),
            },
        };

        // The request found its connection, then the connection was unregistered before the write.
        node.Grpc.Connections.Unregister(connection.Id);
        var refused = Assert.ThrowsAsync<NacosSync.Sandbox.Grpc.NacosRequestException>(() =>
            handler.Handle(new NacosSync.Sandbox.Grpc.GrpcCall(node, connection, payload, new Dictionary<string, string>(), CancellationToken.None)));

        Assert.Multiple(() =>
        {
            Assert.That(cluster.Naming.AllInstances(NacosSync.Sandbox.Naming.ServiceKey.From("public", "svc", null)), Is.Empty,
                "an instance written for a connection already gone would never expire");
            Assert.That(refused!.ErrorCode, Is.EqualTo(-401), "NacosException.CLIENT_DISCONNECT (EphemeralClientOperationServiceImpl.checkClientIsLegal)");
        });
    }

    [Test]
    public async Task Service_list_pages_one_group_and_names_services_without_the_group()
    {
        await using var cluster = await SandboxTestKit.StartAsync();
        await using var client = await GrpcTestClient.ConnectAsync(cluster.Nodes[0]);
        foreach (var name in new[] { "a", "b", "c" })
        {
            await GrpcNaming.RegisterAsync(client, name, "10.0.0.1", 80);
        }

        var page2 = await client.RequestAsync("ServiceListRequest", GrpcNaming.Base("", new JsonObject { ["pageNo"] = 2, ["pageSize"] = 2 }));
        var otherGroup = await client.RequestAsync("ServiceListRequest", new JsonObject
        {
            ["namespace"] = "public", ["groupName"] = "OTHER", ["pageNo"] = 1, ["pageSize"] = 10, ["module"] = "naming",
        });

        Assert.Multiple(() =>
        {
            Assert.That(page2.Type, Is.EqualTo("ServiceListResponse"), "ServiceListRequestHandler's response");
            Assert.That((int?)page2.Body["count"], Is.EqualTo(3), "count is the group's total");
            Assert.That(page2.Body["serviceNames"]!.AsArray().Select(n => (string?)n), Is.EqualTo(new[] { "c" }),
                "ServiceUtil.pageServiceName: page 2 of size 2, the group prefix cut off");
            Assert.That((int?)otherGroup.Body["count"], Is.Zero, "only services of the asked group");
        });
    }
}
