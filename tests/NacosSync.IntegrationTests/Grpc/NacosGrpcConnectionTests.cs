using NacosSync.Nacos.Grpc;
using NacosSync.Nacos.Grpc.Messages;

namespace NacosSync.IntegrationTests.Grpc;

/// <summary>
/// The client's gRPC connection against <see cref="ScriptedNacosGrpcServer"/> over real HTTP/2:
/// handshake, setup ack, push and detection answers, reconnect after a dropped stream, failover.
/// </summary>
[TestFixture]
public sealed class NacosGrpcConnectionTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    private static NacosGrpcConnection Connect(params ScriptedNacosGrpcServer[] servers) => new(new NacosGrpcOptions
    {
        Name = "source",
        Servers = servers.Select(s => s.HttpAddress).ToList(),
        Tenant = "ns1",
        MaxRetries = 0,
        RequestTimeout = TimeSpan.FromMilliseconds(500),
    }, accessToken: _ => ValueTask.FromResult<string?>("tok-1"));

    [Test]
    public async Task The_handshake_is_server_check_then_setup_with_labels_and_the_setup_ack_opens_the_connection_for_requests()
    {
        await using var server = await ScriptedNacosGrpcServer.StartAsync();
        await using var connection = Connect(server);

        await connection.StartAsync(CancellationToken.None);
        var check = await server.NextAsync("ServerCheckRequest");
        var setup = await server.NextAsync("ConnectionSetupRequest");
        await connection.RequestAsync<SubscribeServiceResponse>(new SubscribeServiceRequest { Namespace = "ns1", ServiceName = "svc", GroupName = "DEFAULT_GROUP" }, CancellationToken.None);
        var subscribe = await server.NextAsync("SubscribeServiceRequest");

        Assert.Multiple(() =>
        {
            Assert.That(connection.ConnectionId, Is.EqualTo(check.ConnectionId), "the connection id is the server's, of this HTTP/2 connection");
            Assert.That(setup.ConnectionId, Is.EqualTo(check.ConnectionId), "the stream shares the HTTP/2 connection of the server check");
            Assert.That(setup.Body["labels"]!["source"]!.GetValue<string>(), Is.EqualTo("sdk"));
            Assert.That(setup.Body["labels"]!["module"]!.GetValue<string>(), Is.EqualTo("naming"));
            Assert.That(setup.Body["tenant"]!.GetValue<string>(), Is.EqualTo("ns1"));
            Assert.That(setup.Body["clientVersion"]!.GetValue<string>(), Does.StartWith("NacosSync:v"));
            Assert.That(connection.ServerAbilities, Does.ContainKey("supportPersistentInstanceByGrpc"), "taken from the setup ack");
            Assert.That(subscribe.ConnectionId, Is.EqualTo(check.ConnectionId), "unary calls go on the same connection, else 301");
            Assert.That(subscribe.Headers["accessToken"], Is.EqualTo("tok-1"), "Constants.ACCESS_TOKEN in metadata.headers");
        });
    }

    [Test]
    public async Task A_subscriber_push_is_answered_with_its_request_id_and_handed_to_the_consumer_and_the_setup_ack_is_not_answered()
    {
        await using var server = await ScriptedNacosGrpcServer.StartAsync();
        await using var connection = Connect(server);
        await connection.StartAsync(CancellationToken.None);
        await server.NextAsync("ConnectionSetupRequest");

        await server.PushAsync(connection.ConnectionId!, "NotifySubscriberRequest",
            """{"headers":{},"requestId":"p-1","namespace":"ns1","serviceName":"svc","groupName":"DEFAULT_GROUP","serviceInfo":{"name":"svc","groupName":"DEFAULT_GROUP","hosts":[{"ip":"10.0.0.1","port":8080,"weight":1.0,"healthy":true,"enabled":true,"ephemeral":true,"clusterName":"DEFAULT","metadata":{}}]},"module":"naming"}""");
        var answer = await server.Received.Reader.ReadAsync().AsTask().WaitAsync(Guard);
        var push = await connection.Pushes.ReadAsync().AsTask().WaitAsync(Guard);

        Assert.Multiple(() =>
        {
            Assert.That(answer.Type, Is.EqualTo("NotifySubscriberResponse"), "the first stream message after the setup answers the push: no SetupAckResponse was sent");
            Assert.That(answer.Body["requestId"]!.GetValue<string>(), Is.EqualTo("p-1"));
            Assert.That(answer.Body["resultCode"]!.GetValue<int>(), Is.EqualTo(200));
            Assert.That(((NotifySubscriberRequest)push.Request).ServiceInfo!.Hosts.Single().Ip, Is.EqualTo("10.0.0.1"));
        });
    }

    [Test]
    public async Task A_client_detection_is_answered_with_its_request_id()
    {
        await using var server = await ScriptedNacosGrpcServer.StartAsync();
        await using var connection = Connect(server);
        await connection.StartAsync(CancellationToken.None);
        await server.NextAsync("ConnectionSetupRequest");

        await server.PushAsync(connection.ConnectionId!, "ClientDetectionRequest", """{"headers":{},"requestId":"d-1","module":"internal"}""");
        var answer = await server.NextAsync("ClientDetectionResponse");

        Assert.That(answer.Body["requestId"]!.GetValue<string>(), Is.EqualTo("d-1"), "unanswered in 5 s, the server drops the connection");
    }

    [Test]
    public async Task When_the_server_ends_the_stream_the_client_reconnects_with_a_new_connection_id_and_says_so()
    {
        await using var server = await ScriptedNacosGrpcServer.StartAsync();
        await using var connection = Connect(server);
        var reconnected = new TaskCompletionSource<GrpcReconnected>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Reconnected += r => reconnected.TrySetResult(r);
        await connection.StartAsync(CancellationToken.None);
        var first = connection.ConnectionId!;
        await server.NextAsync("ConnectionSetupRequest");

        server.Drop(first);
        var signal = await reconnected.Task.WaitAsync(Guard);
        var setup = await server.NextAsync("ConnectionSetupRequest");
        await connection.RequestAsync<SubscribeServiceResponse>(new SubscribeServiceRequest { ServiceName = "svc" }, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(signal.PreviousConnectionId, Is.EqualTo(first));
            Assert.That(signal.ConnectionId, Is.Not.EqualTo(first), "a new HTTP/2 connection, a new connection id: everything held by the old one is gone");
            Assert.That(setup.ConnectionId, Is.EqualTo(signal.ConnectionId), "the new connection was set up again");
            Assert.That(connection.ConnectionId, Is.EqualTo(signal.ConnectionId));
        });
    }

    [Test]
    public async Task When_a_node_goes_away_the_client_fails_over_to_the_next_node()
    {
        var a = await ScriptedNacosGrpcServer.StartAsync();
        await using var b = await ScriptedNacosGrpcServer.StartAsync();
        await using var connection = Connect(a, b);
        var reconnected = new TaskCompletionSource<GrpcReconnected>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Reconnected += r => reconnected.TrySetResult(r);
        await connection.StartAsync(CancellationToken.None);
        Assert.That(connection.Node, Is.EqualTo(a.HttpAddress), "the first node of the list");

        await a.DisposeAsync();
        var signal = await reconnected.Task.WaitAsync(Guard);
        await b.NextAsync("ConnectionSetupRequest");

        Assert.Multiple(() =>
        {
            Assert.That(signal.Node, Is.EqualTo(b.HttpAddress));
            Assert.That(signal.PreviousNode, Is.EqualTo(a.HttpAddress));
        });
    }

    [Test]
    public async Task A_server_without_ability_negotiation_is_used_once_it_registered_the_connection_without_waiting_for_a_setup_ack()
    {
        await using var server = await ScriptedNacosGrpcServer.StartAsync(abilityNegotiation: false, registrationDelay: TimeSpan.FromMilliseconds(300));
        await using var connection = Connect(server);

        await connection.StartAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(4));
        var answer = await connection.RequestAsync<SubscribeServiceResponse>(new SubscribeServiceRequest { ServiceName = "svc" }, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(connection.ConnectionId, Is.Not.Null, "connected before the 5 s setup-ack wait could have passed");
            Assert.That(connection.ServerAbilities, Is.Empty);
            Assert.That(answer.IsSuccess, Is.True, "the first request right after start is not refused as unregistered");
        });
    }

    [Test]
    public async Task A_request_the_node_does_not_answer_fails_after_the_request_timeout_naming_cluster_node_and_type()
    {
        await using var server = await ScriptedNacosGrpcServer.StartAsync();
        await using var connection = Connect(server);
        await connection.StartAsync(CancellationToken.None);

        var error = Assert.ThrowsAsync<NacosSync.Nacos.Transport.NacosUnreachableException>(() =>
            connection.RequestAsync<QueryServiceResponse>(new ServiceQueryRequest { ServiceName = "svc" }, CancellationToken.None))!;

        Assert.That(error.Message, Does.Contain("Nacos cluster source").And.Contain(server.HttpAddress.ToString())
            .And.Contain("ServiceQueryRequest").And.Contain("no answer within 0.5 s"));
    }
}
