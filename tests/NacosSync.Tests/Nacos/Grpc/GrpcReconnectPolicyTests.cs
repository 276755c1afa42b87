using NacosSync.Nacos.Grpc;

namespace NacosSync.Tests.Nacos.Grpc;

/// <summary>The reconnect order and pauses of alibaba/nacos RpcClient.reconnect: next node first, 100 ms per round, at most 5 s.</summary>
[TestFixture]
public sealed class GrpcReconnectPolicyTests
{
    private static readonly GrpcReconnectPolicy Policy = new(3, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));

    [Test]
    public void Reconnecting_starts_with_the_node_after_the_lost_one_and_goes_round_the_list()
    {
        Assert.That(Enumerable.Range(0, 5).Select(a => Policy.NodeFor(a, lost: 1)), Is.EqualTo(new[] { 2, 0, 1, 2, 0 }));
    }

    [Test]
    public void The_first_connect_tries_the_nodes_in_list_order()
    {
        Assert.That(Enumerable.Range(0, 3).Select(a => Policy.NodeFor(a, lost: -1)), Is.EqualTo(new[] { 0, 1, 2 }));
    }

    [Test]
    public void The_pause_grows_by_one_step_per_round_over_the_nodes_and_stops_at_the_maximum()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Enumerable.Range(0, 3).Select(Policy.DelayAfter), Is.All.EqualTo(TimeSpan.FromMilliseconds(100)), "first round");
            Assert.That(Policy.DelayAfter(3), Is.EqualTo(TimeSpan.FromMilliseconds(200)), "second round");
            Assert.That(Policy.DelayAfter(3 * 100), Is.EqualTo(TimeSpan.FromSeconds(5)), "capped");
            Assert.That(Policy.DelayAfter(int.MaxValue), Is.EqualTo(TimeSpan.FromSeconds(5)), "no overflow after a long outage");
        });
    }
}
