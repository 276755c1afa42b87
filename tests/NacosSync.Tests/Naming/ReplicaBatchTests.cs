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
    public void The_fingerprint_changes_with_any_attribute_a_consumer_sees_and_not_with_metadata_order()
    {
        var baseline = ReplicaBatch.Fingerprint([Instance("10.0.0.1", 80, metadata: [("a", "1"), ("b", "2")])]);

        Assert.Multiple(() =>
        {
            Assert.That(ReplicaBatch.Fingerprint([Instance("10.0.0.1", 80, metadata: [("b", "2"), ("a", "1")])]), Is.EqualTo(baseline), "same batch");
            Assert.That(ReplicaBatch.Fingerprint([Instance("10.0.0.1", 80, weight: 2, metadata: [("a", "1"), ("b", "2")])]), Is.Not.EqualTo(baseline), "weight");
            Assert.That(ReplicaBatch.Fingerprint([Instance("10.0.0.1", 80, healthy: false, metadata: [("a", "1"), ("b", "2")])]), Is.Not.EqualTo(baseline), "health");
            Assert.That(ReplicaBatch.Fingerprint([Instance("10.0.0.1", 80, enabled: false, metadata: [("a", "1"), ("b", "2")])]), Is.Not.EqualTo(baseline), "enabled");
            Assert.That(ReplicaBatch.Fingerprint([Instance("10.0.0.1", 80, metadata: [("a", "1"), ("b", "3")])]), Is.Not.EqualTo(baseline), "metadata value");
            Assert.That(ReplicaBatch.Fingerprint([Instance("10.0.0.1", 80, cluster: "X", metadata: [("a", "1"), ("b", "2")])]), Is.Not.EqualTo(baseline), "cluster");
            Assert.That(ReplicaBatch.Fingerprint([]), Is.EqualTo(ReplicaBatch.EmptyFingerprint));
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
