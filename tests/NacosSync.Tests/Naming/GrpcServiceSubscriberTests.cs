using System.Text.Json;
using NacosSync.Core.Naming;
using NacosSync.Engine.Naming;
using NacosSync.Nacos.Grpc.Messages;
using NacosSync.Nacos.Naming;

namespace NacosSync.Tests.Naming;

[TestFixture]
public sealed class GrpcServiceSubscriberTests
{
    private static readonly ServiceKey Orders = new("public", "DEFAULT_GROUP", "orders");

    // ServiceStorage.getData (the subscribe answer without clusters) keeps disabled instances; instance/list hides them.
    private const string ListAnswer = """{"name":"DEFAULT_GROUP@@orders","hosts":[{"ip":"10.0.0.1","port":8080,"weight":2.5,"healthy":false,"enabled":true,"ephemeral":true,"clusterName":"blue","metadata":{"zone":"a"}}],"lastRefTime":1}""";

    [Test]
    public void The_subscribe_answer_is_fingerprinted_as_the_list_call_shows_it_so_an_unchanged_service_needs_no_re_read()
    {
        var answer = new GrpcServiceInfo
        {
            Name = "orders",
            GroupName = "DEFAULT_GROUP",
            Hosts =
            [
                new GrpcInstance { Ip = "10.0.0.1", Port = 8080, Weight = 2.5, Healthy = false, ClusterName = "blue", Metadata = new Dictionary<string, string> { ["zone"] = "a" } },
                new GrpcInstance { Ip = "10.0.0.2", Port = 8080, Enabled = false, ClusterName = "blue" },
            ],
        };
        using var list = JsonDocument.Parse(ListAnswer);
        var listed = NacosNamingClient.ParseServiceInfo(Orders, list.RootElement, "test");

        Assert.That(GrpcServiceSubscriber.Fingerprint(Orders, answer), Is.EqualTo(ServiceFingerprint.Of(listed.Service)),
            "the disabled instance the subscribe answer carries is left out, as the list call (and the baseline) leave it out");
    }

    [Test]
    public void A_subscribe_answer_that_differs_from_the_listed_one_has_another_fingerprint()
    {
        var answer = new GrpcServiceInfo { Hosts = [new GrpcInstance { Ip = "10.0.0.1", Port = 8080, Weight = 3, Healthy = false, ClusterName = "blue", Metadata = new Dictionary<string, string> { ["zone"] = "a" } }] };
        using var list = JsonDocument.Parse(ListAnswer);
        var listed = NacosNamingClient.ParseServiceInfo(Orders, list.RootElement, "test");

        Assert.Multiple(() =>
        {
            Assert.That(GrpcServiceSubscriber.Fingerprint(Orders, answer), Is.Not.EqualTo(ServiceFingerprint.Of(listed.Service)), "a weight change is a change");
            Assert.That(GrpcServiceSubscriber.Fingerprint(Orders, null), Is.EqualTo(ServiceFingerprint.Empty), "no service info: an empty service");
        });
    }
}
