using System.Threading.Channels;
using NacosSync.Nacos.Grpc;
using NacosSync.Nacos.Grpc.Messages;

namespace NacosSync.Tests.Nacos.Grpc;

/// <summary>Every server push is answered with its requestId (GrpcClient.bindRequestStream); naming and config pushes reach the consumer.</summary>
[TestFixture]
public sealed class GrpcPushDispatcherTests
{
    private static readonly Uri Node = new("http://10.0.0.1:8848");

    [Test]
    public void A_subscriber_push_is_queued_and_answered_with_its_request_id()
    {
        var queue = Channel.CreateBounded<GrpcPush>(10);
        var push = new NotifySubscriberRequest { RequestId = "42", ServiceName = "svc" };

        var dispatch = new GrpcPushDispatcher(queue.Writer).Handle(push, "c1", Node);

        Assert.Multiple(() =>
        {
            Assert.That(dispatch.Answer, Is.EqualTo(new NotifySubscriberResponse { RequestId = "42" }), "answered as success with the push's requestId");
            Assert.That(queue.Reader.TryRead(out var queued) ? queued : null, Is.EqualTo(new GrpcPush(push, "c1", Node)), "handed to the consumer");
        });
    }

    [Test]
    public void A_config_change_push_is_queued_and_answered_with_its_request_id()
    {
        var queue = Channel.CreateBounded<GrpcPush>(10);

        var dispatch = new GrpcPushDispatcher(queue.Writer).Handle(new ConfigChangeNotifyRequest { RequestId = "7", DataId = "d" }, "c1", Node);

        Assert.Multiple(() =>
        {
            Assert.That(dispatch.Answer, Is.EqualTo(new ConfigChangeNotifyResponse { RequestId = "7" }));
            Assert.That(queue.Reader.Count, Is.EqualTo(1));
        });
    }

    [Test]
    public void A_push_that_finds_the_queue_full_is_refused_with_an_error_so_the_server_sends_it_again()
    {
        var queue = Channel.CreateBounded<GrpcPush>(1);
        var dispatcher = new GrpcPushDispatcher(queue.Writer);
        dispatcher.Handle(new NotifySubscriberRequest { RequestId = "1" }, "c1", Node);

        var dispatch = dispatcher.Handle(new NotifySubscriberRequest { RequestId = "2" }, "c1", Node);

        Assert.Multiple(() =>
        {
            Assert.That(dispatch.Answer, Is.TypeOf<ErrorResponse>(), "a failed answer makes the server retry (PushExecuteTask.onFail)");
            Assert.That(dispatch.Answer!.RequestId, Is.EqualTo("2"));
            Assert.That(dispatch.Answer.IsSuccess, Is.False);
            Assert.That(dispatch.Refused, Is.True);
            Assert.That(dispatcher.Refused, Is.EqualTo(1));
            Assert.That(queue.Reader.Count, Is.EqualTo(1), "the refused push is not queued");
        });
    }

    [Test]
    public void Client_detection_is_answered_with_its_request_id_and_not_queued()
    {
        var queue = Channel.CreateBounded<GrpcPush>(10);

        var dispatch = new GrpcPushDispatcher(queue.Writer).Handle(new ClientDetectionRequest { RequestId = "9" }, "c1", Node);

        Assert.Multiple(() =>
        {
            Assert.That(dispatch.Answer, Is.EqualTo(new ClientDetectionResponse { RequestId = "9" }), "unanswered in 5 s, the server drops the connection");
            Assert.That(queue.Reader.Count, Is.Zero);
        });
    }

    [Test]
    public void A_connect_reset_is_answered_and_handed_back_to_reconnect()
    {
        var reset = new ConnectResetRequest { RequestId = "5", ServerIp = "10.0.0.2", ServerPort = "8848" };

        var dispatch = new GrpcPushDispatcher(Channel.CreateBounded<GrpcPush>(1).Writer).Handle(reset, "c1", Node);

        Assert.Multiple(() =>
        {
            Assert.That(dispatch.Answer, Is.EqualTo(new ConnectResetResponse { RequestId = "5" }), "RpcClient.ConnectResetRequestHandler answers ConnectResetResponse");
            Assert.That(dispatch.Reset, Is.SameAs(reset));
        });
    }

    [Test]
    public void The_setup_ack_is_not_answered_because_the_server_sends_it_without_waiting_for_one()
    {
        // GrpcBiStreamRequestAcceptor: connection.sendRequestNoAck(new SetupAckRequest(...)); GrpcClient returns without sending.
        var ack = new SetupAckRequest { AbilityTable = new Dictionary<string, bool> { ["fuzzyWatch"] = true } };

        var dispatch = new GrpcPushDispatcher(Channel.CreateBounded<GrpcPush>(1).Writer).Handle(ack, "c1", Node);

        Assert.Multiple(() =>
        {
            Assert.That(dispatch.Answer, Is.Null);
            Assert.That(dispatch.SetupAck, Is.SameAs(ack));
        });
    }

    [Test]
    public void A_push_of_a_type_without_handler_is_answered_with_an_error_naming_it()
    {
        var dispatch = new GrpcPushDispatcher(Channel.CreateBounded<GrpcPush>(1).Writer).Handle(new HealthCheckRequest { RequestId = "3" }, "c1", Node);

        Assert.Multiple(() =>
        {
            Assert.That(dispatch.Answer, Is.TypeOf<ErrorResponse>());
            Assert.That(dispatch.Answer!.RequestId, Is.EqualTo("3"));
            Assert.That(dispatch.Answer.Message, Does.Contain("HealthCheckRequest"));
        });
    }
}
