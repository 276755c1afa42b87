using NacosSync.Nacos.Grpc;
using NacosSync.Nacos.Grpc.Messages;
using NacosSync.Nacos.Protocol;

namespace NacosSync.Tests.Nacos.Grpc;

/// <summary>Payload framing as alibaba/nacos common/.../remote/client/grpc/GrpcUtils.java does it.</summary>
[TestFixture]
public sealed class GrpcPayloadCodecTests
{
    [Test]
    public void A_request_names_its_java_type_and_carries_headers_and_client_ip_in_the_metadata_not_the_body()
    {
        var payload = GrpcPayloadCodec.Encode(new HealthCheckRequest { RequestId = "7" }, "10.0.0.9",
            new Dictionary<string, string> { ["accessToken"] = "tok" });

        Assert.Multiple(() =>
        {
            Assert.That(payload.Metadata.Type, Is.EqualTo("HealthCheckRequest"), "metadata.type = getClass().getSimpleName()");
            Assert.That(payload.Metadata.ClientIp, Is.EqualTo("10.0.0.9"));
            Assert.That(payload.Metadata.Headers["accessToken"], Is.EqualTo("tok"), "Constants.ACCESS_TOKEN travels as a header");
            Assert.That(payload.Body.Value.ToStringUtf8(), Does.Not.Contain("tok"), "headers are cleared from the body");
            Assert.That(payload.Body.Value.ToStringUtf8(), Does.Contain("\"requestId\":\"7\""));
        });
    }

    [Test]
    public void A_response_names_its_type_and_round_trips()
    {
        var payload = GrpcPayloadCodec.Encode(new NotifySubscriberResponse { RequestId = "42" });

        Assert.Multiple(() =>
        {
            Assert.That(payload.Metadata.Type, Is.EqualTo("NotifySubscriberResponse"));
            Assert.That(GrpcPayloadCodec.Decode(payload), Is.EqualTo(new NotifySubscriberResponse { RequestId = "42" }));
        });
    }

    [Test]
    public void An_unknown_type_is_refused_by_name_and_keeps_the_request_id_so_it_can_still_be_answered()
    {
        var payload = new Payload
        {
            Metadata = new Metadata { Type = "NamingFuzzyWatchChangeNotifyRequest" },
            Body = new Google.Protobuf.WellKnownTypes.Any { Value = Google.Protobuf.ByteString.CopyFromUtf8("""{"requestId":"99"}""") },
        };

        var error = Assert.Throws<GrpcPayloadException>(() => GrpcPayloadCodec.Decode(payload))!;

        Assert.Multiple(() =>
        {
            Assert.That(error.Message, Does.Contain("NamingFuzzyWatchChangeNotifyRequest"), "the error names the type");
            Assert.That(error.RequestId, Is.EqualTo("99"));
        });
    }

    [Test]
    public void A_body_that_is_not_json_is_refused_naming_its_type()
    {
        var payload = new Payload
        {
            Metadata = new Metadata { Type = "ServerCheckResponse" },
            Body = new Google.Protobuf.WellKnownTypes.Any { Value = Google.Protobuf.ByteString.CopyFromUtf8("<html>") },
        };

        var error = Assert.Throws<GrpcPayloadException>(() => GrpcPayloadCodec.Decode(payload))!;

        Assert.That(error.Message, Does.StartWith("ServerCheckResponse body is not valid"));
    }
}
