using System.Net;
using Microsoft.Extensions.Time.Testing;
using NacosSync.Core.Config;
using NacosSync.Nacos.Config;
using NacosSync.Nacos.Transport;
using NacosSync.Tests.Nacos;

namespace NacosSync.Tests.Config;

[TestFixture]
internal sealed class NacosConfigClientTests
{
    private static readonly Uri Node = new("http://10.0.0.1:8848");

    private static NacosConfigClient Client(FakeNacosHandler handler) => new(new NacosTransport(
        new NacosTransportOptions { Name = "tgt", Servers = [Node], MaxRetries = 0 }, new HttpClient(handler), new FakeTimeProvider()));

    [Test]
    public async Task The_short_poll_answer_is_read_from_the_probe_modify_header_and_from_the_body()
    {
        var a = new ConfigKey("", "G", "a");
        var b = new ConfigKey("dev", "G", "b");
        var c = new ConfigKey("public", "G", "c");
        using var headerForm = FakeNacosHandler.Serving("2.4.3", (_, _) =>
        {
            // Reference §2: a client below Client-Version 2.0.4 gets the answer in this header, the body empty.
            var response = FakeNacosHandler.Text(HttpStatusCode.OK, "");
            response.Headers.TryAddWithoutValidation("Probe-Modify-Response-New", "a%02G%01b%02G%02dev%01");
            response.Headers.TryAddWithoutValidation("Probe-Modify-Response", "a:G;b:G;");
            return response;
        });
        using var bodyForm = FakeNacosHandler.Serving("2.4.3", (_, _) => FakeNacosHandler.Text(HttpStatusCode.OK, "c%02G%02public%01\n"));

        var fromHeader = await Client(headerForm).StaleOnNodeAsync(Node, [(a, "x"), (b, "y"), (c, "z")], CancellationToken.None);
        var fromBody = await Client(bodyForm).StaleOnNodeAsync(Node, [(a, "x"), (b, "y"), (c, "z")], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(fromHeader, Is.EquivalentTo(new[] { a, b }), "the header form names a and b");
            Assert.That(fromBody, Is.EquivalentTo(new[] { c }), "the body form names c, in the literal public tenant");
            Assert.That(Uri.UnescapeDataString(headerForm.Requests.Single().Body), Does.Contain("c\u0002G\u0002z\u0002public\u0001"),
                "a tenant is sent as written: on 2.x the listener addresses the literal public tenant (reference §3)");
            Assert.That(Uri.UnescapeDataString(headerForm.Requests.Single().Body), Does.Contain("a\u0002G\u0002x\u0001"), "the blank tenant is left out");
        });
    }

    [Test]
    public async Task A_search_page_that_comes_back_short_before_total_count_is_a_partial_read_not_the_end()
    {
        using var handler = FakeNacosHandler.Serving("2.4.3", (request, _) => FakeNacosHandler.Text(HttpStatusCode.OK, request.RequestUri!.Query.Contains("pageNo=1", StringComparison.Ordinal)
            ? """{"totalCount":5,"pageNumber":1,"pagesAvailable":3,"pageItems":[{"dataId":"a","group":"G","content":"1"},{"dataId":"b","group":"G","content":"2"}]}"""
            : """{"totalCount":5,"pageNumber":2,"pagesAvailable":3,"pageItems":[{"dataId":"c","group":"G","content":"3"}]}"""));
        var read = new List<string>();

        var failure = Assert.ThrowsAsync<ConfigPartialReadException>(async () =>
        {
            await foreach (var config in Client(handler).SearchTenantAsync("", 2, CancellationToken.None))
            {
                read.Add(config.Key.DataId);
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(failure!.Message, Does.Contain("3 of totalCount 5"), "says how much was read");
            Assert.That(read, Is.EqualTo(new[] { "a", "b", "c" }), "pages are streamed as they come");
        });
    }

    [Test]
    public async Task A_search_streams_every_page_until_total_count()
    {
        using var handler = FakeNacosHandler.Serving("2.4.3", (request, _) => FakeNacosHandler.Text(HttpStatusCode.OK, request.RequestUri!.Query.Contains("pageNo=1", StringComparison.Ordinal)
            ? """{"totalCount":3,"pageItems":[{"dataId":"a","group":"G","content":"1"},{"dataId":"b","group":"G","content":"2"}]}"""
            : """{"totalCount":3,"pageItems":[{"dataId":"c","group":"G","content":"3"}]}"""));
        var read = new List<string>();
        await foreach (var config in Client(handler).SearchTenantAsync("dev", 2, CancellationToken.None))
        {
            read.Add(config.Key.ToString());
        }

        Assert.That(read, Is.EqualTo(new[] { "dev/G/a", "dev/G/b", "dev/G/c" }), "the last short page is the end once totalCount is reached");
    }
}
