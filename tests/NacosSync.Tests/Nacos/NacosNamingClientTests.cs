using System.Net;
using NacosSync.Core.Naming;
using NacosSync.Nacos.Naming;
using NacosSync.Nacos.Transport;

namespace NacosSync.Tests.Nacos;

[TestFixture]
public sealed class NacosNamingClientTests
{
    private static NacosNamingClient Client(Func<HttpRequestMessage, string, HttpResponseMessage> respond, out FakeNacosHandler handler)
    {
        handler = new FakeNacosHandler(respond);
        return new NacosNamingClient(new NacosTransport(new NacosTransportOptions { Name = "a", Servers = [new Uri("http://10.0.0.1:8848")] }, new HttpClient(handler)));
    }

    private static HttpResponseMessage Versioned(HttpRequestMessage request, string version, string body) =>
        request.RequestUri!.AbsolutePath.EndsWith("/server/state", StringComparison.Ordinal)
            ? FakeNacosHandler.Text(HttpStatusCode.OK, $"{{\"version\":\"{version}\"}}")
            : FakeNacosHandler.Text(HttpStatusCode.OK, body);

    [Test]
    public async Task The_catalog_is_read_in_one_call_with_disabled_instances_and_every_group()
    {
        const string catalog = """
            [{"serviceName":"orders","groupName":"G1","metadata":{},"clusterMap":{"blue":{"hosts":[
              {"ip":"10.0.0.1","port":80,"valid":false,"enabled":false,"weight":2.5,"metadata":{"k":"v"}}]}}},
             {"serviceName":"pay","groupName":"DEFAULT_GROUP","metadata":{},"clusterMap":{}}]
            """;
        var client = Client((r, _) => Versioned(r, "2.4.3", catalog), out var handler);

        var services = await client.ReadCatalogAsync("public", defaultEphemeral: false, CancellationToken.None);

        Assert.That(services!.Select(s => s.Key), Is.EqualTo(new[] { new ServiceKey("public", "G1", "orders"), new ServiceKey("public", "DEFAULT_GROUP", "pay") }));
        var instance = services![0].Instances.Single();
        Assert.Multiple(() =>
        {
            Assert.That(instance.Key, Is.EqualTo(new InstanceKey(new ServiceKey("public", "G1", "orders"), "blue", "10.0.0.1", 80)));
            Assert.That((instance.Enabled, instance.Healthy, instance.Weight, instance.Ephemeral), Is.EqualTo((false, false, 2.5, false)),
                "disabled and unhealthy kept; ephemeral taken from the default the catalog cannot say");
            Assert.That(instance.Metadata["k"], Is.EqualTo("v"));
            Assert.That(handler.Requests.Count(r => r.Uri.AbsolutePath == "/nacos/v1/ns/catalog/services"), Is.EqualTo(1), "one call for the namespace");
            Assert.That(handler.Requests.Last().Uri.Query, Does.Contain("withInstances=true").And.Contain("pageSize=100000"), "one big page");
        });
    }

    [Test]
    public async Task Version_3_has_no_catalog_and_lists_known_groups_when_the_admin_list_is_missing()
    {
        var client = Client((r, _) => r.RequestUri!.AbsolutePath switch
        {
            "/nacos/v1/console/server/state" => FakeNacosHandler.Text(HttpStatusCode.Gone, "gone"),
            "/nacos/v3/admin/core/state" => FakeNacosHandler.Text(HttpStatusCode.OK, "{\"code\":0,\"data\":{\"version\":\"3.0.3\"}}"),
            "/nacos/v3/admin/ns/service/list" => FakeNacosHandler.Text(HttpStatusCode.NotFound, "no such api"),
            _ => FakeNacosHandler.Text(HttpStatusCode.OK, "{\"count\":1,\"doms\":[\"orders\"]}"),
        }, out _);

        var catalog = await client.ReadCatalogAsync("public", true, CancellationToken.None);
        var services = await client.ListServicesAsync("public", CancellationToken.None, ["DEFAULT_GROUP", "G1"]);

        Assert.That(catalog, Is.Null, "3.0 closes the console catalog");
        Assert.That(services, Is.EqualTo(new[] { new ServiceKey("public", "DEFAULT_GROUP", "orders"), new ServiceKey("public", "G1", "orders") }));
    }

    [Test]
    public void A_service_list_shorter_than_its_count_is_a_partial_read_not_a_short_registry()
    {
        var client = Client((r, _) => Versioned(r, "2.4.3", "{\"count\":5,\"serviceList\":[{\"name\":\"a\",\"groupName\":\"DEFAULT_GROUP\"}]}"), out _);

        Assert.ThrowsAsync<NacosMalformedResponseException>(() => client.ListServicesAsync("public", CancellationToken.None),
            "a read that is cut short must fail, so nothing is deleted because of it");
    }

    [Test]
    public async Task Namespaces_call_the_public_one_public_whatever_the_version()
    {
        var client = Client((r, _) => Versioned(r, "2.4.3",
            "{\"code\":200,\"data\":[{\"namespace\":\"\",\"namespaceShowName\":\"public\"},{\"namespace\":\"dev\",\"namespaceShowName\":\"Dev\"}]}"), out _);

        var namespaces = await client.ListNamespacesAsync(CancellationToken.None);

        Assert.That(namespaces.Select(n => n.Id), Is.EqualTo(new[] { "public", "dev" }), "2.x lists public as \"\"");
    }
}
