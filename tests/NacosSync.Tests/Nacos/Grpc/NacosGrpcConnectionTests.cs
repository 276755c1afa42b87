using NacosSync.Nacos.Grpc;
using NacosSync.Nacos.Grpc.Messages;
using NacosSync.Nacos.Transport;

namespace NacosSync.Tests.Nacos.Grpc;

/// <summary>The connection's loop with fake sessions and a fake clock: start, health checks, reconnect and failover, requests.</summary>
[TestFixture]
public sealed class NacosGrpcConnectionTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    private static NacosGrpcOptions Options(int maxRetries = 0) => new()
    {
        Name = "source",
        Servers = [new Uri("http://10.0.0.1:8848"), new Uri("http://10.0.0.2:8848"), new Uri("http://10.0.0.3:8848")],
        MaxRetries = maxRetries,
        RetryDelay = TimeSpan.Zero,
    };

    private static (NacosGrpcConnection Connection, FakeOpener Opener, SignallingFakeTime Time) Create(
        Func<CancellationToken, ValueTask<string?>>? token = null, int maxRetries = 0)
    {
        var options = Options(maxRetries);
        var time = new SignallingFakeTime();
        var opener = new FakeOpener(options, time);
        return (new NacosGrpcConnection(options, _ => opener, token, time, null, null), opener, time);
    }

    [Test]
    public async Task Start_fails_naming_the_cluster_and_every_node_when_no_node_accepts()
    {
        var (connection, opener, _) = Create();
        await using var _ = connection;
        opener.Refuse.UnionWith([0, 1, 2]);

        var error = Assert.ThrowsAsync<NacosUnreachableException>(() => connection.StartAsync(CancellationToken.None))!;

        Assert.Multiple(() =>
        {
            Assert.That(error.Message, Does.Contain("Nacos cluster source"));
            Assert.That(error.Message, Does.Contain("10.0.0.1").And.Contain("10.0.0.2").And.Contain("10.0.0.3"), "each node and its error");
            Assert.That(opener.Attempts.Select(a => a.Node), Is.EqualTo(new[] { 0, 1, 2 }), "tried in list order, once each");
        });
    }

    [Test]
    public async Task A_lost_session_is_replaced_by_the_next_node_after_the_pause_and_Reconnected_names_the_new_connection()
    {
        var (connection, opener, time) = Create();
        await using var _ = connection;
        var reconnected = new TaskCompletionSource<GrpcReconnected>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Reconnected += r => reconnected.TrySetResult(r);
        await connection.StartAsync(CancellationToken.None);
        opener.Refuse.Add(1);
        var lostAt = time.GetUtcNow();

        opener.Sessions.Single().ReportLost(new GrpcSessionLoss("stream ended"));
        await time.WaitForTimerAsync(TimeSpan.FromMilliseconds(100));
        time.Advance(TimeSpan.FromMilliseconds(100));
        var signal = await reconnected.Task.WaitAsync(Guard);

        Assert.Multiple(() =>
        {
            Assert.That(opener.Attempts.Select(a => a.Node), Is.EqualTo(new[] { 0, 1, 2 }), "start on node 0, then node 1 (refused), then node 2");
            Assert.That(opener.Attempts.Last().At - lostAt, Is.EqualTo(TimeSpan.FromMilliseconds(100)), "node 2 is tried only after the 100 ms pause");
            Assert.That(signal, Is.EqualTo(new GrpcReconnected("conn-2", new Uri("http://10.0.0.3:8848"), "conn-1", new Uri("http://10.0.0.1:8848"))));
            Assert.That(connection.ConnectionId, Is.EqualTo("conn-2"));
            Assert.That(opener.Sessions.First().Disposed, Is.True, "the lost session is closed");
        });
    }

    [Test]
    public async Task An_idle_connection_sends_a_health_check_after_the_interval()
    {
        var (connection, opener, time) = Create();
        await using var _ = connection;
        await connection.StartAsync(CancellationToken.None);
        var session = opener.Sessions.Single();

        await time.WaitForTimerAsync(TimeSpan.FromSeconds(5));
        Assert.That(session.Sent, Is.Empty, "nothing is sent before the connection was idle for 5 s");
        time.Advance(TimeSpan.FromSeconds(5));
        var sent = await session.SentSignal.Reader.ReadAsync().AsTask().WaitAsync(Guard);

        Assert.That(sent, Is.TypeOf<HealthCheckRequest>());
    }

    [Test]
    public async Task A_health_check_refused_by_the_server_ends_the_session_and_the_next_node_takes_over_at_once()
    {
        var (connection, opener, time) = Create();
        await using var _ = connection;
        var reconnected = new TaskCompletionSource<GrpcReconnected>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Reconnected += r => reconnected.TrySetResult(r);
        await connection.StartAsync(CancellationToken.None);
        opener.Answer = r => new ErrorResponse { ResultCode = 500, ErrorCode = NacosErrorCodes.Unregistered, Message = "Connection is unregistered." };

        await time.WaitForTimerAsync(TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromSeconds(5));
        var signal = await reconnected.Task.WaitAsync(Guard);

        Assert.Multiple(() =>
        {
            Assert.That(signal.Node, Is.EqualTo(new Uri("http://10.0.0.2:8848")), "failover to the next node");
            Assert.That(opener.Sessions.First().Sent.Count, Is.EqualTo(1), "an error answer is not retried (RpcClient.healthCheck returns on any response)");
        });
    }

    [Test]
    public async Task A_request_carries_the_access_token_header_and_returns_the_typed_answer()
    {
        var (connection, opener, _) = Create(_ => ValueTask.FromResult<string?>("tok-1"));
        await using var _ = connection;
        opener.Answer = r => new ServiceListResponse { Count = 1, ServiceNames = ["svc"] };
        await connection.StartAsync(CancellationToken.None);

        var answer = await connection.RequestAsync<ServiceListResponse>(new ServiceListRequest { Namespace = "public", GroupName = "g" }, CancellationToken.None);
        var (request, headers) = opener.Sessions.Single().Sent.Single();

        Assert.Multiple(() =>
        {
            Assert.That(answer.ServiceNames, Is.EqualTo(new[] { "svc" }));
            Assert.That(headers["accessToken"], Is.EqualTo("tok-1"), "Constants.ACCESS_TOKEN in metadata.headers");
            Assert.That(request.RequestId, Is.Not.Null.And.Not.Empty, "each request gets an id for the logs");
        });
    }

    [Test]
    public async Task An_unregistered_answer_fails_the_request_naming_cluster_node_and_type_and_ends_the_session()
    {
        var (connection, opener, _) = Create();
        await using var _ = connection;
        await connection.StartAsync(CancellationToken.None);
        opener.Answer = r => new ErrorResponse { ResultCode = 500, ErrorCode = NacosErrorCodes.Unregistered, Message = "Connection is unregistered." };

        var error = Assert.ThrowsAsync<NacosUnreachableException>(() =>
            connection.RequestAsync<SubscribeServiceResponse>(new SubscribeServiceRequest { ServiceName = "svc" }, CancellationToken.None))!;

        Assert.Multiple(() =>
        {
            Assert.That(error.Message, Does.Contain("Nacos cluster source").And.Contain("10.0.0.1").And.Contain("SubscribeServiceRequest"));
            Assert.That(opener.Sessions.First().Lost.IsCompleted, Is.True, "UN_REGISTER means the server forgot the connection: reconnect");
        });
    }

    [Test]
    public async Task A_refusal_is_thrown_with_the_server_error_code()
    {
        var (connection, opener, _) = Create();
        await using var _ = connection;
        await connection.StartAsync(CancellationToken.None);
        opener.Answer = r => new InstanceResponse { ResultCode = 500, ErrorCode = 403, Message = "no right" };

        var error = Assert.ThrowsAsync<NacosRejectedException>(() => connection.RequestAsync<InstanceResponse>(
            new InstanceRequest { ServiceName = "svc", Type = InstanceRequest.Register, Instance = new GrpcInstance { Ip = "10.0.0.1", Port = 1 } },
            CancellationToken.None))!;

        Assert.That(error.StatusCode, Is.EqualTo(403));
    }

    [Test]
    public async Task A_missing_config_is_an_answer_not_an_error()
    {
        var (connection, opener, _) = Create();
        await using var _ = connection;
        await connection.StartAsync(CancellationToken.None);
        opener.Answer = r => new ConfigQueryResponse { ResultCode = 500, ErrorCode = 300, Message = "config data not exist" };

        var answer = await connection.RequestAsync<ConfigQueryResponse>(new ConfigQueryRequest { DataId = "d", Group = "g" }, CancellationToken.None);

        Assert.That(answer.IsNotFound, Is.True);
    }

    [Test]
    public async Task A_request_during_a_reconnect_waits_for_the_new_session()
    {
        var (connection, opener, _) = Create();
        await using var _ = connection;
        opener.Answer = r => new ServiceListResponse { Count = 0 };
        await connection.StartAsync(CancellationToken.None);
        opener.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        opener.Sessions.Single().ReportLost(new GrpcSessionLoss("stream ended"));
        Assert.That(SpinWait.SpinUntil(() => connection.ConnectionId is null, Guard), Is.True, "the lost session is withdrawn");

        var pending = connection.RequestAsync<ServiceListResponse>(new ServiceListRequest(), CancellationToken.None);
        Assert.That(pending.IsCompleted, Is.False, "no session yet");
        opener.Gate.SetResult();
        await pending.WaitAsync(Guard);

        Assert.That(opener.Sessions.Last().Sent.Single().Request, Is.TypeOf<ServiceListRequest>(), "sent on the new session");
    }

    [Test]
    public async Task A_connect_reset_naming_a_configured_node_reconnects_to_that_node_first()
    {
        var (connection, opener, _) = Create();
        await using var _ = connection;
        var reconnected = new TaskCompletionSource<GrpcReconnected>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Reconnected += r => reconnected.TrySetResult(r);
        await connection.StartAsync(CancellationToken.None);

        opener.Sessions.Single().ReportLost(new GrpcSessionLoss("reset",
            Reset: new ConnectResetRequest { ServerIp = "10.0.0.3", ServerPort = "8848" }));
        var signal = await reconnected.Task.WaitAsync(Guard);

        Assert.That(signal.Node, Is.EqualTo(new Uri("http://10.0.0.3:8848")), "RpcClient.ConnectResetRequestHandler switches to the named server, not the next one");
    }

    [Test]
    public async Task A_read_refused_with_a_server_error_is_retried_and_a_compare_and_set_publish_is_not()
    {
        var (connection, opener, _) = Create(maxRetries: 2);
        await using var _ = connection;
        await connection.StartAsync(CancellationToken.None);
        var calls = 0;
        opener.Answer = r => r switch
        {
            ServiceListRequest when ++calls == 1 => new ErrorResponse { ResultCode = 500, ErrorCode = 500, Message = "busy" },
            ServiceListRequest => new ServiceListResponse { Count = 0 },
            _ => new ErrorResponse { ResultCode = 500, ErrorCode = 500, Message = "busy" },
        };

        await connection.RequestAsync<ServiceListResponse>(new ServiceListRequest(), CancellationToken.None);
        Assert.ThrowsAsync<NacosRejectedException>(() => connection.RequestAsync<ConfigPublishResponse>(
            new ConfigPublishRequest { DataId = "d", Group = "g", Content = "x", CasMd5 = "m" }, CancellationToken.None));

        var sent = opener.Sessions.Single().Sent.Select(s => s.Request.GetType().Name).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(sent.Count(n => n == nameof(ServiceListRequest)), Is.EqualTo(2), "the read was sent again after a 500");
            Assert.That(sent.Count(n => n == nameof(ConfigPublishRequest)), Is.EqualTo(1), "a repeat after an unseen success would fail the compare");
        });
    }

    [Test]
    public void Options_below_the_servers_ping_permit_are_refused_naming_the_cluster_and_the_setting()
    {
        var options = Options() with { KeepAlivePingDelay = TimeSpan.FromMinutes(1), Module = "lock" };

        var error = Assert.Throws<ArgumentException>(() => options.Validate())!;

        Assert.Multiple(() =>
        {
            Assert.That(error.Message, Does.Contain("cluster 'source'"));
            Assert.That(error.Message, Does.Contain("KeepAlivePingDelay").And.Contain("too_many_pings"));
            Assert.That(error.Message, Does.Contain("Module is 'lock'"), "every problem at once");
        });
    }
}
