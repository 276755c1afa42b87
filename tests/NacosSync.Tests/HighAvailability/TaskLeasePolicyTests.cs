using NacosSync.Core.State;

namespace NacosSync.Tests.HighAvailability;

[TestFixture]
internal sealed class TaskLeasePolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] FourTasks = ["t1", "t2", "t3", "t4"];

    [Test]
    public void A_lone_replica_takes_every_free_task()
    {
        var decision = TaskLeasePolicy.Decide(FourTasks, [], "a", liveReplicas: 1, Now);

        Assert.That(decision.Acquire, Is.EquivalentTo(FourTasks), "nobody else is alive to run them");
    }

    [Test]
    public void With_others_alive_a_replica_takes_no_more_than_its_fair_share()
    {
        var decision = TaskLeasePolicy.Decide(FourTasks, [], "a", liveReplicas: 3, Now);

        Assert.That(decision.Acquire, Has.Count.EqualTo(2), "ceil(4 / 3) = 2: the rest is left for the other two");
    }

    [Test]
    public void Two_replicas_starting_together_prefer_different_tasks()
    {
        var tasks = Enumerable.Range(1, 20).Select(i => $"task-{i}").ToList();
        var a = TaskLeasePolicy.Decide(tasks, [], "replica-a", liveReplicas: 2, Now).Acquire;
        var b = TaskLeasePolicy.Decide(tasks, [], "replica-b", liveReplicas: 2, Now).Acquire;

        Assert.That(a.Intersect(b).Count(), Is.LessThan(10), "rendezvous ranking: their first choices overlap far less than fully");
    }

    [Test]
    public void Lapsed_leases_count_as_free_and_live_ones_of_others_do_not()
    {
        TaskLease[] leases = [new("t1", "b", 3, Now.AddSeconds(-1)), new("t2", "b", 1, Now.AddSeconds(5)), new("t3", null, 2, Now.AddSeconds(-10))];

        var decision = TaskLeasePolicy.Decide(["t1", "t2", "t3"], leases, "a", liveReplicas: 1, Now);

        Assert.That(decision.Acquire, Is.EquivalentTo(new[] { "t1", "t3" }), "t1 lapsed and t3 was released; t2 is b's for 5 more seconds");
    }

    [Test]
    public void A_replica_over_its_share_gives_back_one_task_per_round_when_others_are_alive()
    {
        TaskLease[] leases = [.. FourTasks.Select(t => new TaskLease(t, "a", 1, Now.AddSeconds(6)))];

        var alone = TaskLeasePolicy.Decide(FourTasks, leases, "a", liveReplicas: 1, Now);
        var joined = TaskLeasePolicy.Decide(FourTasks, leases, "a", liveReplicas: 2, Now);

        Assert.Multiple(() =>
        {
            Assert.That(alone.Release, Is.Empty, "alone, it keeps everything");
            Assert.That(joined.Release, Has.Count.EqualTo(1), "a second replica joined: one task per round goes back, gradually");
            Assert.That(joined.Acquire, Is.Empty);
        });
    }
}
