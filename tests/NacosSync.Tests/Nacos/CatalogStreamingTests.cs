using System.Net;
using System.Text;
using System.Text.Json;
using NacosSync.Core.Naming;
using NacosSync.Nacos.Naming;
using NacosSync.Nacos.Transport;

namespace NacosSync.Tests.Nacos;

/// <summary>
/// The catalog is one big page (paging is unsafe, reference §2) parsed as it streams in, so memory is
/// bounded by one service, not the page (issue 9, item 12): the parser must hold together across any split of the bytes.
/// </summary>
[TestFixture]
internal sealed class CatalogStreamingTests
{
    // Shape of 2.x CatalogController.listDetail with withInstances=true (reference §2): a root array of ServiceDetailInfo.
    private static string V1Catalog(int services) => "[" + string.Join(",", Enumerable.Range(0, services).Select(Service)) + "]";

    private static string Service(int i) =>
        "{\"serviceName\":\"svc-" + i + "\",\"groupName\":\"G" + (i % 3) + "\",\"metadata\":{\"k\":\"a,b:{c}\"},\"clusterMap\":{\"DEFAULT\":{\"hosts\":[{\"ip\":\"10.0."
        + (i / 250) + "." + (i % 250) + "\",\"port\":" + (8000 + i) + ",\"valid\":true,\"enabled\":" + (i % 2 == 0 ? "true" : "false")
        + ",\"weight\":1.5,\"metadata\":{\"note\":\"\\\"quoted\\\" \\\\ \u00fc\"}}]}}}";

    [Test]
    public async Task A_catalog_split_into_reads_of_one_to_seven_bytes_parses_as_the_whole()
    {
        var json = V1Catalog(40);
        var items = new List<string>();
        var trickle = new TrickleStream(Encoding.UTF8.GetBytes(json), maxChunk: 7);

        var summary = await JsonItemStream.ReadAsync(trickle, CatalogReader.V1Paths, item => items.Add(item.GetRawText()), CancellationToken.None, initialBuffer: 16);

        using var whole = JsonDocument.Parse(json);
        Assert.Multiple(() =>
        {
            Assert.That(trickle.Reads, Is.GreaterThan(json.Length / 7), "the answer really arrived in many small reads");
            Assert.That(summary.FoundItems, Is.True);
            Assert.That(items, Is.EqualTo(whole.RootElement.EnumerateArray().Select(e => e.GetRawText())),
                "every service comes out whole and in order, whatever byte it was split at (the buffer grows to the biggest item)");
        });
    }

    [Test]
    public async Task Reading_a_big_catalog_needs_a_buffer_about_the_size_of_one_service_not_of_the_answer()
    {
        var bytes = Encoding.UTF8.GetBytes(V1Catalog(3000));
        var largestItem = Enumerable.Range(0, 3000).Max(i => Encoding.UTF8.GetByteCount(Service(i)));
        var count = 0;

        var summary = await JsonItemStream.ReadAsync(new MemoryStream(bytes), CatalogReader.V1Paths, _ => count++, CancellationToken.None, initialBuffer: 64);

        Assert.Multiple(() =>
        {
            Assert.That(count, Is.EqualTo(3000));
            Assert.That(summary.BufferBytes, Is.LessThanOrEqualTo(4 * largestItem),
                $"memory is bounded by one service ({largestItem} bytes), not by the {bytes.Length}-byte page (issue 9: no 100,000-service page as one string)");
        });
    }

    [Test]
    public async Task The_v3_page_is_found_inside_the_result_with_its_total_and_code()
    {
        // ServiceControllerV3.list → Result.success(Page<ServiceDetailInfo>) (naming/.../controllers/v3/ServiceControllerV3.java, api/.../model/Page.java).
        const string json = """
            {"code":0,"message":"success","data":{"totalCount":2,"pageNumber":1,"pagesAvailable":1,"pageItems":[
              {"namespaceId":"public","serviceName":"a","groupName":"G","clusterMap":{},"metadata":{}},
              {"namespaceId":"public","serviceName":"b","groupName":"G","clusterMap":{},"metadata":{"pageItems":"not this one"}}]}}
            """;

        var names = new List<string>();
        var summary = await JsonItemStream.ReadAsync(new TrickleStream(Encoding.UTF8.GetBytes(json), 3), CatalogReader.V3Paths,
            item => names.Add(item.GetProperty("serviceName").GetString()!), CancellationToken.None, initialBuffer: 16);

        Assert.Multiple(() =>
        {
            Assert.That(names, Is.EqualTo(new[] { "a", "b" }));
            Assert.That((summary.Count, summary.Code, summary.Message), Is.EqualTo(((long?)2, (int?)0, "success")), "totalCount and the Result's code are read beside the items");
        });
    }

    [Test]
    public void An_answer_that_ends_inside_its_json_is_an_error_not_a_short_catalog()
    {
        var json = V1Catalog(5);
        var cut = Encoding.UTF8.GetBytes(json[..(json.Length / 2)]);

        Assert.ThrowsAsync(Is.InstanceOf<JsonException>(), async () =>
            await JsonItemStream.ReadAsync(new TrickleStream(cut, 5), CatalogReader.V1Paths, _ => { }, CancellationToken.None, initialBuffer: 16),
            "a cut-off answer must fail the read, or the services after the cut would look deleted");
    }

    [Test]
    public async Task The_naming_client_reads_a_trickling_catalog_into_every_service_with_its_instances()
    {
        var json = V1Catalog(300);
        var handler = FakeNacosHandler.Serving("2.4.3", (_, _) => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new TrickleStream(Encoding.UTF8.GetBytes(json), maxChunk: 5)),
        });
        var client = new NacosNamingClient(new NacosTransport(new NacosTransportOptions { Name = "a", Servers = [new Uri("http://10.0.0.1:8848")] }, new HttpClient(handler)));

        var services = await client.ReadCatalogAsync("public", defaultEphemeral: true, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(services, Has.Count.EqualTo(300));
            Assert.That(services!.Select(s => s.Key.Service), Is.EqualTo(Enumerable.Range(0, 300).Select(i => $"svc-{i}")));
            var last = services![299].Instances.Single();
            Assert.That(last.Key, Is.EqualTo(new InstanceKey(new ServiceKey("public", "G2", "svc-299"), "DEFAULT", "10.0.1.49", 8299)));
            Assert.That((last.Enabled, last.Weight, last.Metadata["note"]), Is.EqualTo((false, 1.5, "\"quoted\" \\ ü")), "escapes survive any split");
        });
    }
}
