using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using NacosSync.Core.Options;
using NacosSync.Engine.Clusters;
using NacosSync.Engine.Naming;
using NacosSync.Tests.Infrastructure;
using NacosSync.Tests.Nacos;
using static NacosSync.Tests.Naming.NamingTestData;

namespace NacosSync.Tests.Naming;

[TestFixture]
public sealed class HeartbeatKeeperTests
{
    private static (HeartbeatKeeper Keeper, FakeNacosHandler Handler, FakeTimeProvider Clock, NacosClientFactory Clients) Create(Func<HttpRequestMessage, string, HttpResponseMessage> respond)
    {
        var options = new NacosSyncOptions();
        options.Clusters["b"] = new ClusterOptions { ServerAddresses = ["10.0.0.100:8848"] };
        var handler = new FakeNacosHandler(respond);
        var clock = new FakeTimeProvider(TestTime.Start);
        var clients = new NacosClientFactory(Microsoft.Extensions.Options.Options.Create(options), clock, NullLoggerFactory.Instance, new HttpClient(handler));
        return (new HeartbeatKeeper(clients, clock, NullLogger<HeartbeatKeeper>.Instance), handler, clock, clients);
    }

    private static HttpResponseMessage BeatOk(HttpRequestMessage request, string body) => request.Method == HttpMethod.Put
        ? FakeNacosHandler.Text(HttpStatusCode.OK, "{\"clientBeatInterval\":5000,\"code\":10200,\"lightBeatEnabled\":true}")
        : FakeNacosHandler.Text(HttpStatusCode.OK, "ok");

    [Test]
    public async Task New_replicas_are_spread_over_the_interval_and_each_is_beaten_once_per_interval()
    {
        var (keeper, handler, clock, clients) = Create(BeatOk);
        using var _ = clients;
        using var __ = keeper;
        for (var i = 1; i <= 100; i++)
        {
            keeper.Track("t", "b", Owned(Instance($"10.0.1.{i}")));
        }

        clock.Advance(TimeSpan.FromSeconds(2.5));
        await keeper.BeatDueAsync(CancellationToken.None);
        var firstHalf = handler.Requests.Count;
        clock.Advance(TimeSpan.FromSeconds(2.5));
        await keeper.BeatDueAsync(CancellationToken.None);

        Assert.That(firstHalf, Is.InRange(20, 80), "about half of the new replicas are due after half the interval: beats are spread");
        Assert.That(handler.Requests, Has.Count.EqualTo(100), "every replica beaten once in the first interval");
    }

    [Test]
    public async Task The_first_beat_is_full_with_weight_later_beats_are_light_and_20404_re_registers()
    {
        var beats = 0;
        var (keeper, handler, clock, clients) = Create((request, body) =>
        {
            if (request.Method == HttpMethod.Put && ++beats == 2)
            {
                return FakeNacosHandler.Text(HttpStatusCode.OK, "{\"clientBeatInterval\":5000,\"code\":20404}");
            }

            return BeatOk(request, body);
        });
        using var _ = clients;
        using var __ = keeper;
        keeper.Track("t", "b", Owned(Instance("10.0.0.1", weight: 3)));

        for (var i = 0; i < 2; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(5));
            await keeper.BeatDueAsync(CancellationToken.None);
        }

        var first = Uri.UnescapeDataString(handler.Requests[0].Uri.Query + handler.Requests[0].Body);
        var second = Uri.UnescapeDataString(handler.Requests[1].Uri.Query + handler.Requests[1].Body);
        Assert.Multiple(() =>
        {
            Assert.That(first, Does.Contain("beat=").And.Contain("\"weight\":3"), "the first beat carries the full beat JSON with weight");
            Assert.That(second, Does.Not.Contain("beat="), "then light beats");
            Assert.That(handler.Requests[2].Method, Is.EqualTo(HttpMethod.Post), "a 20404 answer re-registers the replica");
        });
    }

    [Test]
    public async Task Unhealthy_replicas_are_re_registered_unhealthy_instead_of_beaten_and_untracked_ones_are_left_alone()
    {
        var (keeper, handler, clock, clients) = Create(BeatOk);
        using var _ = clients;
        using var __ = keeper;
        keeper.Track("t", "b", Owned(Instance("10.0.0.1", healthy: false)));
        keeper.Track("t", "b", Owned(Instance("10.0.0.2")));
        keeper.Untrack("t", Instance("10.0.0.2").Key);

        clock.Advance(TimeSpan.FromSeconds(5));
        await keeper.BeatDueAsync(CancellationToken.None);

        Assert.That(handler.Requests, Has.Count.EqualTo(1), "the untracked replica gets no beat (a beat would bring it back)");
        Assert.That(handler.Requests[0].Method, Is.EqualTo(HttpMethod.Post));
        Assert.That(handler.Requests[0].Body, Does.Contain("healthy=false"), "registered unhealthy, as in the source");
    }
}
