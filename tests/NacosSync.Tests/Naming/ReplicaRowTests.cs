using System.Text.Json;
using NacosSync.Core.State;
using NacosSync.Engine.Naming;
using static NacosSync.Tests.Naming.NamingTestData;

namespace NacosSync.Tests.Naming;

/// <summary>The kept-replica rows of the run-state store: what one version writes, another (or a standby) must read.</summary>
[TestFixture]
internal sealed class ReplicaRowTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 3, 8, 0, 0, TimeSpan.Zero);

    /// <summary>The options the rows were written with before the generated context: the defaults, through reflection.</summary>
    private static readonly JsonSerializerOptions Reflection = new() { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() };

    [Test]
    public void A_row_reads_back_as_the_replica_and_cluster_it_was_written_from()
    {
        var replica = Instance("10.0.0.1", 80, metadata: [("zone", "a"), ("note", "ü \"q\"")]) with { Weight = 2.5, Healthy = false };

        var entry = ReplicaRow.From("cluster-b", replica, At);

        Assert.Multiple(() =>
        {
            Assert.That(ReplicaRow.TryRead(entry, out var cluster, out var read), Is.True);
            Assert.That(cluster, Is.EqualTo("cluster-b"));
            Assert.That(read, Is.EqualTo(replica).Using<NacosSync.Core.Naming.NamingInstance>((a, b) => a.Differences(b, compareHealth: true).Length == 0 && a.Key == b.Key));
            Assert.That(entry.Key, Is.EqualTo(replica.Key.Address.Id));
        });
    }

    [Test]
    public void The_generated_json_is_byte_for_byte_what_the_reflection_serializer_wrote_so_rows_of_earlier_versions_read_the_same()
    {
        var replica = Instance("10.0.0.1", 80, metadata: [("zone", "a"), ("note", "ü <&> \"q\"")]) with { Weight = 0.5 };
        var written = ReplicaRow.From("cluster-b", replica, At).Value;

        // Read and written again by reflection: any other name, order or escaping comes back different.
        var reflection = JsonSerializer.Serialize(JsonSerializer.Deserialize<ReplicaRow.Row>(written, Reflection), Reflection);

        Assert.That(written, Is.EqualTo(reflection));
    }

    [Test]
    public void A_row_that_is_not_a_replica_is_refused_not_thrown()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ReplicaRow.TryRead(new StateEntry("k", "{not json", At), out _, out _), Is.False);
            Assert.That(ReplicaRow.TryRead(new StateEntry("k", "{\"TargetCluster\":\"\",\"Ip\":\"10.0.0.1\"}", At), out _, out _), Is.False);
        });
    }
}
