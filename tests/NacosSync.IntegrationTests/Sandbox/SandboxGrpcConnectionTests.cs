using System.Text.Json.Nodes;
using Grpc.Core;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Sandbox;

/// <summary>
/// The connection life of the sandbox's gRPC server against facts read in alibaba/nacos
/// core/src/main/java/com/alibaba/nacos/core/remote/ (GrpcRequestAcceptor, GrpcBiStreamRequestAcceptor,
/// AddressTransportFilter, NacosRuntimeConnectionEjector), reference §9.
/// </summary>
[TestFixture]
internal sealed class SandboxGrpcConnectionTests
{
    [Test]
    public async Task The_grpc_port_is_the_http_port_plus_1000_even_with_dynamic_ports()
    {
        await using var cluster = await SandboxTestKit.StartAsync(nodes: 2);

        Assert.Multiple(() =>
        {
            foreach (var node in cluster.Nodes)
            {
                Assert.That(node.GrpcPort, Is.EqualTo(node.Port + 1000), "Nacos clients compute the gRPC port as HTTP + 1000 (reference §9)");
                Assert.That(node.GrpcAddress, Is.EqualTo($"127.0.0.1:{node.Port + 1000}"), "GrpcAddress names it");
            }
        });
    }

    [Test]
    public void A_taken_grpc_port_fails_the_start_and_names_the_port()
    {
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((System.Net.IPEndPoint)squatter.LocalEndpoint).Port;

        var failure = Assert.ThrowsAsync<IOException>(() => SandboxTestKit.StartAsync(configure: o => o.GrpcPorts = [taken]));

        Assert.That(failure!.Message, Does.Contain(taken.ToString(System.Globalization.CultureInfo.InvariantCulture)), "the error names the port that could not be bound");
    }

    [Test]
    public async Task Server_check_answers_the_transport_connection_id_and_a_request_before_setup_is_refused_as_unregistered()
    {
        await using var cluster = await SandboxTestKit.StartAsync();
        await using var client = GrpcTestClient.Open(cluster.Nodes[0]);

        var check = await client.RequestAsync("ServerCheckRequest", new JsonObject());
        var health = await client.RequestAsync("HealthCheckRequest", new JsonObject { ["module"] = "internal" });
        var unknown = await client.RequestAsync("NoSuchRequest", new JsonObject());

        Assert.Multiple(() =>
        {
            Assert.That(check.Type, Is.EqualTo("ServerCheckResponse"), "GrpcUtils.convert names the Java class");
            Assert.That((int?)check.Body["resultCode"], Is.EqualTo(200), "ResponseCode.SUCCESS");
            Assert.That((bool?)check.Body["success"], Is.True, "Response.isSuccess is serialised");
            Assert.That((string?)check.Body["connectionId"], Does.Match(@"^\d+_127\.0\.0\.1_\d+$"),
                "AddressTransportFilter: System.currentTimeMillis() + \"_\" + remoteIp + \"_\" + remotePort");
            Assert.That(health.Type, Is.EqualTo("ErrorResponse"), "a request on a connection that was not set up is refused");
            Assert.That((int?)health.Body["errorCode"], Is.EqualTo(301), "NacosException.UN_REGISTER");
            Assert.That((int?)health.Body["resultCode"], Is.EqualTo(500), "ErrorResponse.build: setErrorInfo sets FAIL");
            Assert.That((string?)health.Body["message"], Is.EqualTo("Connection is unregistered."), "GrpcRequestAcceptor's text");
            Assert.That((int?)unknown.Body["errorCode"], Is.EqualTo(302), "NacosException.NO_HANDLER for an unknown type");
            Assert.That((string?)unknown.Body["message"], Is.EqualTo("RequestHandler Not Found"), "GrpcRequestAcceptor's text");
        });
    }

    [Test]
    public async Task Connection_setup_is_acknowledged_with_SetupAckRequest_and_then_health_checks_succeed()
    {
        await using var cluster = await SandboxTestKit.StartAsync(profile: NacosVersionProfile.V2_4);
        await using var client = await GrpcTestClient.ConnectAsync(cluster.Nodes[0]);

        var health = await client.RequestAsync("HealthCheckRequest", new JsonObject { ["module"] = "internal" });

        Assert.Multiple(() =>
        {
            Assert.That(cluster.Nodes[0].GrpcConnectionCount, Is.EqualTo(1), "ConnectionSetupRequest registers the connection");
            Assert.That(health.Type, Is.EqualTo("HealthCheckResponse"), "HealthCheckRequestHandler answers HealthCheckResponse");
            Assert.That((int?)health.Body["resultCode"], Is.EqualTo(200), "a set-up connection may send requests");
        });
    }

    [Test]
    public async Task On_2_2_0_the_server_check_has_no_ability_negotiation_and_a_setup_needs_no_ack()
    {
        await using var cluster = await SandboxTestKit.StartAsync(profile: NacosVersionProfile.V2_2_0);
        await using var client = await GrpcTestClient.ConnectAsync(cluster.Nodes[0], waitForSetupAck: false);
        await Poll.UntilAsync(() => cluster.Nodes[0].GrpcConnectionCount == 1, "the set-up registers the connection");

        var health = await client.RequestAsync("HealthCheckRequest", new JsonObject());

        Assert.Multiple(() =>
        {
            Assert.That(client.ServerCheck.ContainsKey("supportAbilityNegotiation"), Is.False, "2.2.0's ServerCheckResponse has only connectionId");
            Assert.That(health.Type, Is.EqualTo("HealthCheckResponse"), "the connection works without SetupAckRequest (added in 2.3)");
        });
    }

    [Test]
    public async Task A_1_4_node_serves_no_grpc()
    {
        await using var cluster = await SandboxTestKit.StartAsync(profile: NacosVersionProfile.V1_4);

        Assert.Multiple(() =>
        {
            Assert.That(cluster.Nodes[0].GrpcAddress, Is.Null, "gRPC arrived with Nacos 2.0");
            Assert.That(cluster.Nodes[0].GrpcPort, Is.Zero, "no port is bound");
        });
    }

    [Test]
    public async Task Stopping_a_node_drops_its_connections_and_their_instances_and_a_restart_serves_grpc_on_the_same_port()
    {
        await using var cluster = await SandboxTestKit.StartAsync();
        var node = cluster.Nodes[0];
        var port = node.GrpcPort;
        var client = await GrpcTestClient.ConnectAsync(node);
        await GrpcNaming.RegisterAsync(client, "svc", "10.0.0.1", 80);

        await node.StopAsync();
        await client.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        var afterStop = cluster.Naming.AllInstances(SvcKey("svc"));
        await client.DisposeAsync();
        await node.StartAsync();
        await using var again = await GrpcTestClient.ConnectAsync(node);

        Assert.Multiple(() =>
        {
            Assert.That(afterStop, Is.Empty, "a dropped connection takes its instances with it (reference §9)");
            Assert.That(node.GrpcPort, Is.EqualTo(port), "restarted on the same gRPC port");
            Assert.That(again.ConnectionId, Is.Not.EqualTo(client.ConnectionId), "a reconnect gets a new connection id");
        });
    }

    [Test]
    public async Task A_connection_idle_for_20_seconds_is_probed_and_dropped_with_its_instances_when_it_does_not_answer_within_5_seconds()
    {
        var clock = new FakeTimeProvider(TestTime.Start);
        await using var cluster = await SandboxTestKit.StartAsync(clock: clock);
        await using var silent = await GrpcTestClient.ConnectAsync(cluster.Nodes[0]);
        silent.AnswerPushes = false;
        await GrpcNaming.RegisterAsync(silent, "svc", "10.0.0.1", 8080);

        clock.Advance(TimeSpan.FromSeconds(19));
        await cluster.RunMaintenanceAsync();
        var earlyCount = cluster.Nodes[0].GrpcConnectionCount;
        clock.Advance(TimeSpan.FromSeconds(1));
        await cluster.RunMaintenanceAsync();
        var probe = await silent.NextPushAsync();
        var awaiting = cluster.Nodes[0].GrpcPushesAwaitingAnswer;
        clock.Advance(TimeSpan.FromSeconds(4));
        await cluster.RunMaintenanceAsync();
        var before5s = cluster.Nodes[0].GrpcConnectionCount;
        clock.Advance(TimeSpan.FromSeconds(1));
        await cluster.RunMaintenanceAsync();
        await silent.Closed.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Multiple(() =>
        {
            Assert.That(earlyCount, Is.EqualTo(1), "19 s idle is under KEEP_ALIVE_TIME (20 s)");
            Assert.That(probe.Type, Is.EqualTo("ClientDetectionRequest"), "NacosRuntimeConnectionEjector probes an idle connection");
            Assert.That((string?)probe.Body["requestId"], Is.Not.Empty, "every push carries a requestId for its answer");
            Assert.That((string?)probe.Body["module"], Is.EqualTo("internal"), "ClientDetectionRequest.getModule");
            Assert.That(awaiting, Is.EqualTo(1), "the probe awaits an answer with its requestId");
            Assert.That(before5s, Is.EqualTo(1), "4 s after the probe the connection is still given time (5 s callback timeout)");
            Assert.That(cluster.Nodes[0].GrpcConnectionCount, Is.Zero, "no answer within 5 s: unregistered");
            Assert.That(cluster.Naming.AllInstances(SvcKey("svc")), Is.Empty, "the connection's instances vanish with it");
        });
    }

    [Test]
    public async Task A_connection_that_answers_the_probe_stays()
    {
        var clock = new FakeTimeProvider(TestTime.Start);
        await using var cluster = await SandboxTestKit.StartAsync(clock: clock);
        await using var client = await GrpcTestClient.ConnectAsync(cluster.Nodes[0]);

        clock.Advance(TimeSpan.FromSeconds(20));
        await cluster.RunMaintenanceAsync();
        var probe = await client.NextPushAsync();
        await Poll.UntilAsync(() => cluster.Nodes[0].GrpcPushesAwaitingAnswer == 0, "the answer reaches the server");
        clock.Advance(TimeSpan.FromSeconds(5));
        await cluster.RunMaintenanceAsync();

        Assert.Multiple(() =>
        {
            Assert.That(probe.Type, Is.EqualTo("ClientDetectionRequest"), "the probe");
            Assert.That(cluster.Nodes[0].GrpcConnectionCount, Is.EqualTo(1), "a successful ClientDetectionResponse refreshes the connection");
        });
    }

    [Test]
    public async Task ConnectResetRequest_is_pushed_with_a_request_id_and_the_connection_id()
    {
        await using var cluster = await SandboxTestKit.StartAsync();
        await using var client = await GrpcTestClient.ConnectAsync(cluster.Nodes[0]);

        var sent = cluster.Nodes[0].ConnectionFaults.ResetAllConnections("127.0.0.1", "9848");
        var reset = await client.NextPushAsync();

        Assert.Multiple(() =>
        {
            Assert.That(sent, Is.EqualTo(1), "one connection");
            Assert.That(reset.Type, Is.EqualTo("ConnectResetRequest"), "the push type");
            Assert.That((string?)reset.Body["serverIp"], Is.EqualTo("127.0.0.1"), "ConnectResetRequest.serverIp");
            Assert.That((string?)reset.Body["serverPort"], Is.EqualTo("9848"), "ConnectResetRequest.serverPort (a string in the Java class)");
            Assert.That((string?)reset.Body["connectionId"], Is.EqualTo(client.ConnectionId), "ConnectResetRequest.connectionId");
            Assert.That((string?)reset.Body["requestId"], Is.Not.Empty, "answered by requestId");
        });
    }

    [Test]
    public async Task A_stalled_node_answers_nothing_until_resumed_and_dropping_all_connections_closes_them()
    {
        await using var cluster = await SandboxTestKit.StartAsync();
        var node = cluster.Nodes[0];
        await using var client = await GrpcTestClient.ConnectAsync(node);

        node.ConnectionFaults.Stalled = true;
        var stalled = Assert.ThrowsAsync<RpcException>(() => client.RequestAsync("HealthCheckRequest", new JsonObject(), TimeSpan.FromMilliseconds(300)));
        node.ConnectionFaults.Clear();
        var resumed = await client.RequestAsync("HealthCheckRequest", new JsonObject());
        var dropped = node.ConnectionFaults.DropAllConnections();
        await client.Closed.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Multiple(() =>
        {
            Assert.That(stalled!.StatusCode, Is.EqualTo(StatusCode.DeadlineExceeded), "a stalled node does not answer");
            Assert.That(resumed.Type, Is.EqualTo("HealthCheckResponse"), "answers again once resumed, on the same connection");
            Assert.That(dropped, Is.EqualTo(1), "one connection dropped");
            Assert.That(node.GrpcConnectionCount, Is.Zero, "no connection left");
        });
    }

    private static NacosSync.Sandbox.Naming.ServiceKey SvcKey(string name) => NacosSync.Sandbox.Naming.ServiceKey.From("public", name, null);
}
