using Microsoft.Extensions.Logging.Abstractions;
using NacosSync.Core.Naming;
using NacosSync.Engine.Naming;
using NacosSync.Nacos.Grpc.Messages;
using static NacosSync.Tests.Naming.NamingTestData;

namespace NacosSync.Tests.Naming;

/// <summary>
/// The batches of ReplicaHolding Connection (alibaba/nacos BatchInstanceRequest, EphemeralClientOperationServiceImpl.batchRegisterInstance:
/// one set per service per connection, replaced whole) and the merge of what an owner and its standby hold.
/// </summary>
[TestFixture]
internal sealed class ReplicaBatchTests
{
    [Test]
    public void A_batch_carries_every_replica_of_the_service_once_in_cluster_ip_port_order()
    {
        var replicas = ReplicaBatch.Order([
            Instance("10.0.0.2", 80, cluster: "B"), Instance("10.0.0.9", 80), Instance("10.0.0.1", 81), Instance("10.0.0.1", 80),
            Instance("10.0.0.1", 80, weight: 5),
        ]);

        var batch = ReplicaBatch.Register(Service(), replicas);

        Assert.Multiple(() =>
        {
            Assert.That(batch.Type, Is.EqualTo("batchRegisterInstance"), "NamingRemoteConstants.BATCH_REGISTER_INSTANCE");
            Assert.That((batch.Namespace, batch.GroupName, batch.ServiceName), Is.EqualTo(("public", "DEFAULT_GROUP", "orders")), "service name without its group, as the Java client sends it");
            Assert.That(batch.Instances.Select(i => $"{i.ClusterName} {i.Ip}:{i.Port}"),
                Is.EqualTo(new[] { "B 10.0.0.2:80", "DEFAULT 10.0.0.1:80", "DEFAULT 10.0.0.1:81", "DEFAULT 10.0.0.9:80" }), "one per ip:port (the first given), ordered");
            Assert.That(batch.Instances[1].Weight, Is.EqualTo(1.0), "the first replica given at an address wins (the owner's over a mirrored one)");
            Assert.That(batch.Instances.All(i => i.Ephemeral && i.InstanceId is null), "ephemeral, instanceId left to the server (the same for every connection)");
        });
    }

    [Test]
    public void Metadata_is_sent_in_ordinal_key_order_whatever_order_the_replica_holds_it_in()
    {
        var replica = Instance("10.0.0.1", 80, metadata: [("zone", "a"), ("Version", "2"), ("app", "x")]);

        var sent = ReplicaBatch.Register(Service(), [replica]).Instances[0].Metadata.Keys;

        Assert.That(sent, Is.EqualTo(new[] { "Version", "app", "zone" }), "two connections must publish equal instances, and Instance.toString prints the map in its order");
    }

    [Test]
    public void A_batch_counts_as_sent_already_only_when_every_attribute_a_consumer_sees_is_equal_metadata_in_any_order()
    {
        IReadOnlyList<NamingInstance> sent = [Instance("10.0.0.1", 80, metadata: [("a", "1"), ("b", "2")]), Instance("10.0.0.2", 80)];
        IReadOnlyList<NamingInstance> With(NamingInstance first) => [first, Instance("10.0.0.2", 80)];

        Assert.Multiple(() =>
        {
            Assert.That(ReplicaBatch.SameBatch(sent, With(Instance("10.0.0.1", 80, metadata: [("b", "2"), ("a", "1")]))), Is.True, "same batch, other objects");
            Assert.That(ReplicaBatch.SameBatch(sent, sent), Is.True, "the very same");
            Assert.That(ReplicaBatch.SameBatch(sent, With(Instance("10.0.0.1", 80, weight: 2, metadata: [("a", "1"), ("b", "2")]))), Is.False, "weight");
            Assert.That(ReplicaBatch.SameBatch(sent, With(Instance("10.0.0.1", 80, healthy: false, metadata: [("a", "1"), ("b", "2")]))), Is.False, "health");
            Assert.That(ReplicaBatch.SameBatch(sent, With(Instance("10.0.0.1", 80, enabled: false, metadata: [("a", "1"), ("b", "2")]))), Is.False, "enabled");
            Assert.That(ReplicaBatch.SameBatch(sent, With(Instance("10.0.0.1", 80, metadata: [("a", "1"), ("b", "3")]))), Is.False, "metadata value");
            Assert.That(ReplicaBatch.SameBatch(sent, With(Instance("10.0.0.1", 80, metadata: [("a", "1")]))), Is.False, "metadata key gone");
            Assert.That(ReplicaBatch.SameBatch(sent, With(Instance("10.0.0.1", 80, cluster: "X", metadata: [("a", "1"), ("b", "2")]))), Is.False, "cluster");
            Assert.That(ReplicaBatch.SameBatch(sent, With(Instance("10.0.0.3", 80, metadata: [("a", "1"), ("b", "2")]))), Is.False, "ip");
            Assert.That(ReplicaBatch.SameBatch(sent, With(Instance("10.0.0.1", 81, metadata: [("a", "1"), ("b", "2")]))), Is.False, "port");
            Assert.That(ReplicaBatch.SameBatch(sent, sent.Take(1).ToList()), Is.False, "one fewer");
            Assert.That(ReplicaBatch.SameBatch([], []), Is.True, "both empty");
        });
    }

    [Test]
    public void Metadata_sent_reads_like_the_map_it_copies()
    {
        var sent = ReplicaBatch.Register(Service(), [Instance("10.0.0.1", 80, metadata: [("zone", "a"), ("Version", "2"), ("app", "x")])]).Instances[0].Metadata;

        Assert.Multiple(() =>
        {
            Assert.That(sent.Count, Is.EqualTo(3));
            Assert.That((sent["zone"], sent["Version"], sent["app"]), Is.EqualTo(("a", "2", "x")));
            Assert.That(sent.TryGetValue("version", out _), Is.False, "keys are case-sensitive, as in Java");
            Assert.That(() => sent["missing"], Throws.TypeOf<KeyNotFoundException>());
            Assert.That(sent.Values, Is.EqualTo(new[] { "2", "x", "a" }));
        });
    }

    [Test]
    public void The_last_replica_is_taken_away_with_a_deregister_not_an_empty_batch()
    {
        var request = ReplicaBatch.Deregister(Service(), Instance("10.0.0.1", 80));

        Assert.Multiple(() =>
        {
            Assert.That(request, Is.TypeOf<InstanceRequest>());
            Assert.That(request.Type, Is.EqualTo("deregisterInstance"),
                "an empty batch leaves the connection a publisher of the service, which EmptyServiceAutoCleanerV2 then never removes");
        });
    }

    [Test]
    public void A_standby_holds_what_it_mirrors_beside_its_own_and_an_adopted_task_is_held_once()
    {
        var holder = new ConnectionReplicaHolder((_, _) => Task.FromResult<NacosSync.Nacos.Grpc.NacosGrpcConnection?>(null), NullLogger.Instance);
        holder.Hold("mine", "b", Instance("10.0.0.1", 80));
        holder.Mirror("theirs", [("b", Instance("10.0.0.2", 80)), ("b", Instance("10.0.0.1", 80, weight: 9))]);
        var mirrored = Addresses(holder.HeldIn("b", Service()));

        holder.Mirror("theirs", [("b", Instance("10.0.0.3", 80))]);
        var followed = Addresses(holder.HeldIn("b", Service()));

        holder.Hold("theirs", "b", Instance("10.0.0.3", 80));
        holder.StopMirroring("theirs");
        holder.Mirror("theirs", [("b", Instance("10.0.0.4", 80))]);
        var adopted = Addresses(holder.HeldIn("b", Service()));

        Assert.Multiple(() =>
        {
            Assert.That(mirrored, Is.EqualTo(new[] { "10.0.0.1:80 w1", "10.0.0.2:80 w1" }), "the union, the own replica winning at a shared address");
            Assert.That(followed, Is.EqualTo(new[] { "10.0.0.1:80 w1", "10.0.0.3:80 w1" }), "a mirror round replaces the task's mirrored set");
            Assert.That(adopted, Is.EqualTo(new[] { "10.0.0.1:80 w1", "10.0.0.3:80 w1" }), "once taken over, a late mirror round of the task is ignored");
            Assert.That(holder.DirtyCount, Is.EqualTo(1), "the service waits to be sent");
        });
    }

    private static List<string> Addresses(IEnumerable<NamingInstance> replicas) =>
        [.. replicas.Select(r => $"{r.Key.Ip}:{r.Key.Port} w{r.Weight}")];
}
