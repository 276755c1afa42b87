using NacosSync.Core.Naming;
using NacosSync.Core.Options;
using static NacosSync.Tests.Naming.NamingTestData;

namespace NacosSync.Tests.Naming;

[TestFixture]
public sealed class NamingDiffTests
{
    private static NamingMapper Mapper(Action<SyncTaskOptions>? configure = null)
    {
        var task = new SyncTaskOptions { Source = "a", Target = "b" };
        configure?.Invoke(task);
        return new NamingMapper(Owner, task);
    }

    [Test]
    public void Instances_missing_in_the_target_are_added_with_the_origin_stamped()
    {
        var wanted = Mapper().ToReplicas([new ServiceSnapshot(Service(), [Instance("10.0.0.1", metadata: ("zone", "a"))])]).ToList();

        var plan = NamingDiff.Compute(wanted, [], Owner);

        Assert.That(plan.Changes, Has.Count.EqualTo(1));
        Assert.That(plan.Changes[0].Kind, Is.EqualTo(NamingChangeKind.Add));
        Assert.That(plan.Changes[0].Instance.Metadata, Does.ContainKey(ReplicaOwner.OriginClusterKey).WithValue("cluster-a"), "every replica names its origin");
        Assert.That(plan.Changes[0].Instance.Metadata, Does.ContainKey("zone").WithValue("a"), "source metadata is kept");
    }

    [Test]
    public void An_attribute_change_is_one_update_not_a_remove_and_an_add()
    {
        var wanted = Mapper().ToReplicas([new ServiceSnapshot(Service(), [Instance("10.0.0.1", weight: 3)])]).ToList();
        var target = new[] { Owned(Instance("10.0.0.1", weight: 1)) };

        var plan = NamingDiff.Compute(wanted, target, Owner);

        Assert.That(plan.Changes.Select(c => c.Kind), Is.EqualTo(new[] { NamingChangeKind.Update }), "weight changed in place");
        Assert.That(plan.Changes[0].Reason, Is.EqualTo("weight"));
    }

    [Test]
    public void A_cluster_move_is_an_update_so_the_deregistration_cannot_delete_the_moved_instance()
    {
        var wanted = Mapper().ToReplicas([new ServiceSnapshot(Service(), [Instance("10.0.0.1", cluster: "blue")])]).ToList();
        var target = new[] { Owned(Instance("10.0.0.1", cluster: "green")) };

        var plan = NamingDiff.Compute(wanted, target, Owner);

        Assert.That(plan.Changes.Select(c => c.Kind), Is.EqualTo(new[] { NamingChangeKind.Update }),
            "deregistration ignores the cluster, so remove+add would remove the moved instance");
    }

    [Test]
    public void Native_target_instances_are_never_updated_or_removed()
    {
        var wanted = Mapper().ToReplicas([new ServiceSnapshot(Service(), [Instance("10.0.0.1", weight: 5)])]).ToList();
        var target = new[] { Instance("10.0.0.1"), Instance("10.0.0.9") };

        var plan = NamingDiff.Compute(wanted, target, Owner);

        Assert.That(plan.Changes, Is.Empty, "neither the native instance at the same address nor the other native one is touched");
        Assert.That(plan.Conflicts, Has.Count.EqualTo(1), "the address held by a native instance is reported as a conflict");
    }

    [Test]
    public void Only_replicas_of_this_task_are_removed()
    {
        var otherTask = new ReplicaOwner("c-to-b", "cluster-c");
        var target = new[] { Owned(Instance("10.0.0.1")), Owned(Instance("10.0.0.2"), otherTask), Instance("10.0.0.3") };

        var plan = NamingDiff.Compute([], target, Owner);

        Assert.That(plan.Changes.Select(c => (c.Kind, c.Instance.Key.Ip)), Is.EqualTo(new[] { (NamingChangeKind.Remove, "10.0.0.1") }));
        Assert.That(plan.OwnedTotal, Is.EqualTo(1));
    }

    [Test]
    public void Instances_that_are_already_replicas_are_not_copied_again_so_two_way_tasks_do_not_loop()
    {
        var backTask = new ReplicaOwner("b-to-a", "cluster-b");
        var source = new ServiceSnapshot(Service(), [Owned(Instance("10.0.0.1"), backTask), Instance("10.0.0.2", metadata: ("sourceClusterId", "x"))]);

        var wanted = Mapper().ToReplicas([source]).ToList();

        Assert.That(wanted, Is.Empty, "copies made by any sync carry an origin and are skipped");
    }

    [Test]
    public void Namespace_and_group_mapping_and_filters_apply_before_the_diff()
    {
        var mapper = Mapper(t =>
        {
            t.Namespaces["dev"] = "prod";
            t.Groups["G1"] = "G2";
            t.Naming.ServiceFilter.Exclude.Add("internal-*");
        });
        var source = new[]
        {
            new ServiceSnapshot(Service("orders", "dev", "G1"), [Instance("10.0.0.1", service: "orders", ns: "dev", group: "G1")]),
            new ServiceSnapshot(Service("internal-cache", "dev", "G1"), [Instance("10.0.0.2", service: "internal-cache", ns: "dev", group: "G1")]),
        };

        var wanted = mapper.ToReplicas(source).ToList();

        Assert.That(wanted.Select(w => w.Key.Service), Is.EqualTo(new[] { Service("orders", "prod", "G2") }), "mapped namespace and group; excluded service left out");
        Assert.That(mapper.ToSource(Service("orders", "prod", "G2")), Is.EqualTo(Service("orders", "dev", "G1")), "the mapping reverses for target reads");
    }

    [Test]
    public void Disabled_and_unhealthy_source_instances_are_mirrored_as_such()
    {
        var wanted = Mapper().ToReplicas([new ServiceSnapshot(Service(), [Instance("10.0.0.1", enabled: false, healthy: false)])]).Single();

        Assert.That((wanted.Enabled, wanted.Healthy), Is.EqualTo((false, false)), "the replica carries the source's state");
    }

    [Test]
    public void Persistent_mode_makes_persistent_replicas_and_a_mode_change_is_an_update()
    {
        var wanted = Mapper(t => t.Naming.ReplicaMode = ReplicaMode.Persistent).ToReplicas([new ServiceSnapshot(Service(), [Instance("10.0.0.1")])]).ToList();
        var plan = NamingDiff.Compute(wanted, [Owned(Instance("10.0.0.1", ephemeral: true))], Owner);

        Assert.That(wanted.Single().Ephemeral, Is.False);
        // The ephemeral replica declared heartbeat terms (preserved.*) that a persistent one does not: one update for both.
        Assert.That(plan.Changes.Single().Reason, Is.EqualTo("ephemeral,metadata"));
    }

    [Test]
    public void Identical_replicas_make_no_change()
    {
        var wanted = Mapper().ToReplicas([new ServiceSnapshot(Service(), [Instance("10.0.0.1", metadata: ("k", "v"))])]).ToList();
        var plan = NamingDiff.Compute(wanted, [Owned(Instance("10.0.0.1", metadata: ("k", "v")))], Owner);

        Assert.That(plan.Changes, Is.Empty);
        Assert.That(plan.Unchanged, Is.EqualTo(1));
    }
}
