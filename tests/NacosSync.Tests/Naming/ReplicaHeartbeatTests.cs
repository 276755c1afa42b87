using NacosSync.Core.Naming;
using NacosSync.Core.Options;
using static NacosSync.Tests.Naming.NamingTestData;

namespace NacosSync.Tests.Naming;

[TestFixture]
internal sealed class ReplicaHeartbeatTests
{
    [Test]
    public void Ephemeral_replicas_declare_the_tasks_heartbeat_terms_in_milliseconds_replacing_the_sources()
    {
        var task = new SyncTaskOptions { Source = "a", Target = "b" };
        task.Naming.Heartbeat.Timeout = TimeSpan.FromSeconds(45);
        var source = Instance("10.0.0.1", metadata: (ReplicaHeartbeat.TimeoutKey, "3000"));

        var replica = new NamingMapper(Owner, task).ToReplica(source)!;

        Assert.Multiple(() =>
        {
            // Nacos PreservedMetadataKeys: HEART_BEAT_INTERVAL, HEART_BEAT_TIMEOUT, IP_DELETE_TIMEOUT, in ms.
            Assert.That(replica.Metadata, Does.ContainKey("preserved.heart.beat.interval").WithValue("5000"));
            Assert.That(replica.Metadata, Does.ContainKey("preserved.heart.beat.timeout").WithValue("45000"), "the task's value, not the source client's 3000");
            Assert.That(replica.Metadata, Does.ContainKey("preserved.ip.delete.timeout").WithValue("60000"));
        });
    }

    [Test]
    public void Persistent_replicas_declare_no_heartbeat_terms()
    {
        var task = new SyncTaskOptions { Source = "a", Target = "b" };
        task.Naming.ReplicaMode = ReplicaMode.Persistent;

        var replica = new NamingMapper(Owner, task).ToReplica(Instance("10.0.0.1"))!;

        Assert.That(replica.Metadata.Keys, Has.None.StartsWith("preserved."), "nothing beats a persistent replica");
    }

    [Test]
    public void A_timeout_shorter_than_a_takeover_is_refused_naming_the_key_and_the_bound()
    {
        var terms = new ReplicaHeartbeatOptions { Timeout = TimeSpan.FromSeconds(15), DeleteTimeout = TimeSpan.FromSeconds(10) };

        var errors = terms.Errors("Tasks:t:Naming:Heartbeat", new HighAvailabilityOptions()).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(errors, Has.Some.StartsWith("Tasks:t:Naming:Heartbeat:Timeout: 00:00:15").And.Contain("00:00:18"),
                "Nacos's own 15 s is below the 18 s a takeover can take with the default leases");
            Assert.That(errors, Has.Some.StartsWith("Tasks:t:Naming:Heartbeat:DeleteTimeout"));
            Assert.That(new ReplicaHeartbeatOptions().Errors("x", new HighAvailabilityOptions()), Is.Empty, "the defaults are valid");
        });
    }
}
