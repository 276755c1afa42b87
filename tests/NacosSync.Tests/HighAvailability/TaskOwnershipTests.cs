using Microsoft.Extensions.Logging.Abstractions;
using NacosSync.Core.Options;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.Hosting.HighAvailability;

namespace NacosSync.Tests.HighAvailability;

/// <summary>Two replicas' <see cref="TaskOwnership"/> on one lease store, ticked by hand under fake time.</summary>
[TestFixture]
internal sealed class TaskOwnershipTests
{
    private static readonly HighAvailabilityOptions Defaults = new();
    private FakeTimeProvider _clock = null!;
    private InMemoryTaskLeaseStore _leases = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        _leases = new InMemoryTaskLeaseStore(_clock);
    }

    [Test]
    public async Task A_task_whose_owner_stops_renewing_is_taken_over_once_the_lease_lapses_and_adopted_there()
    {
        var (a, _) = Ownership("a", "t1");
        var (b, adoptedByB) = Ownership("b", "t1");
        await a.TickAsync(CancellationToken.None);
        await b.TickAsync(CancellationToken.None);
        Assert.That((a.IsOwner("t1"), b.IsOwner("t1")), Is.EqualTo((true, false)), "a came first");

        // a dies: it renews no more. b keeps ticking every renew interval.
        var waited = TimeSpan.Zero;
        while (!b.IsOwner("t1") && waited < TimeSpan.FromSeconds(30))
        {
            _clock.Advance(Defaults.LeaseRenewInterval);
            waited += Defaults.LeaseRenewInterval;
            await b.TickAsync(CancellationToken.None);
        }

        Assert.Multiple(() =>
        {
            Assert.That(b.IsOwner("t1"), Is.True, "b takes the task over");
            Assert.That(waited, Is.LessThanOrEqualTo(Defaults.LeaseDuration + Defaults.LeaseRenewInterval),
                "within one lease duration plus one renew interval of the last renewal");
            Assert.That(adoptedByB, Is.EqualTo(new[] { "t1" }), "the new owner adopts the task (restores and beats its replicas) as it takes it");
            Assert.That(b.LeaseOf("t1")!.Token, Is.EqualTo(2), "with the next fencing token");
        });
    }

    [Test]
    public async Task The_replaced_owner_learns_it_lost_the_task_at_its_next_renewal_and_its_writes_are_refused()
    {
        var (a, _) = Ownership("a", "t1");
        var (b, _) = Ownership("b", "t1");
        var runState = new InMemoryRunStateStore(_clock);
        var fencedForA = new FencedRunStateStore(runState, a);
        await a.TickAsync(CancellationToken.None);
        await fencedForA.SaveCheckpointAsync(new StateKey("t1", SyncKind.Naming), "p1", fullSyncCompleted: false, 0, CancellationToken.None);

        _clock.Advance(Defaults.LeaseDuration + TimeSpan.FromSeconds(1)); // a paused, its lease lapsed
        await b.TickAsync(CancellationToken.None);
        var refused = Assert.ThrowsAsync<StaleTaskLeaseException>(() =>
            fencedForA.SaveCheckpointAsync(new StateKey("t1", SyncKind.Naming), "p2", fullSyncCompleted: false, 1, CancellationToken.None));
        await a.TickAsync(CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That(refused!.Message, Does.Contain("stale"), "the stale owner's save is refused with a clear error");
            Assert.That((await runState.LoadCheckpointAsync(new StateKey("t1", SyncKind.Naming), CancellationToken.None))!.Position, Is.EqualTo("p1"),
                "nothing the stale owner tried to write reached the store");
            Assert.That(a.IsOwner("t1"), Is.False, "a's renewal is refused, so it stops acting as owner");
        });
    }

    [Test]
    public async Task A_task_whose_adoption_fails_is_given_back_and_taken_again_with_a_fresh_adoption()
    {
        var failing = new FailingOnceHandover();
        var ownership = new TaskOwnership(_leases, new ReplicaIdentity("a", "a"), Defaults, ["t1"], [failing], _clock, NullLogger<TaskOwnership>.Instance);

        await ownership.TickAsync(CancellationToken.None);
        var heldAfterFailure = ownership.IsOwner("t1");
        var leaseAfterFailure = await _leases.GetAsync("t1", CancellationToken.None);
        _clock.Advance(Defaults.LeaseRenewInterval);
        await ownership.TickAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(heldAfterFailure, Is.False, "a task whose triggers and takeover run could not be stored is not kept half-adopted");
            Assert.That(leaseAfterFailure!.IsFree(_clock.GetUtcNow()), Is.True, "its lease is given back at once");
            Assert.That(failing.Abandoned, Is.EqualTo(new[] { "t1" }), "what the handovers did adopt is undone");
            Assert.That(ownership.IsOwner("t1"), Is.True, "the next round takes it again");
            Assert.That(failing.Adopted, Is.EqualTo(new[] { "t1", "t1" }), "and adopts it afresh");
            Assert.That(ownership.LeaseOf("t1")!.Token, Is.EqualTo(2), "as a new change of hands");
        });
    }

    [Test]
    public async Task A_replica_that_joins_gets_its_fair_share_handed_over_one_task_per_round()
    {
        var (a, _) = Ownership("a", "t1", "t2", "t3", "t4");
        await a.TickAsync(CancellationToken.None);
        Assert.That(new[] { "t1", "t2", "t3", "t4" }.Count(a.IsOwner), Is.EqualTo(4), "alone, a owns everything");

        var (b, _) = Ownership("b", "t1", "t2", "t3", "t4");
        for (var round = 0; round < 4; round++)
        {
            await b.TickAsync(CancellationToken.None);
            await a.TickAsync(CancellationToken.None);
            _clock.Advance(Defaults.LeaseRenewInterval);
        }

        await b.TickAsync(CancellationToken.None);
        var tasks = new[] { "t1", "t2", "t3", "t4" };
        Assert.Multiple(() =>
        {
            Assert.That(tasks.Count(a.IsOwner), Is.EqualTo(2), "a gave back what exceeded its share");
            Assert.That(tasks.Count(b.IsOwner), Is.EqualTo(2), "b took it");
            Assert.That(tasks.Count(t => a.IsOwner(t) && b.IsOwner(t)), Is.Zero, "never two owners");
        });
    }

    private (TaskOwnership Ownership, List<string> Adopted) Ownership(string name, params string[] tasks)
    {
        var adopted = new List<string>();
        var ownership = new TaskOwnership(_leases, new ReplicaIdentity(name, name), Defaults, tasks, [new RecordingHandover(adopted)], _clock,
            NullLogger<TaskOwnership>.Instance);
        return (ownership, adopted);
    }

    private sealed class RecordingHandover(List<string> adopted) : ITaskHandover
    {
        public Task AdoptAsync(string task, CancellationToken cancellationToken)
        {
            adopted.Add(task);
            return Task.CompletedTask;
        }

        public void Abandon(string task)
        {
        }
    }

    private sealed class FailingOnceHandover : ITaskHandover
    {
        public List<string> Adopted { get; } = [];

        public List<string> Abandoned { get; } = [];

        public Task AdoptAsync(string task, CancellationToken cancellationToken)
        {
            Adopted.Add(task);
            return Adopted.Count == 1 ? Task.FromException(new TimeoutException("Quartz's tables are away")) : Task.CompletedTask;
        }

        public void Abandon(string task) => Abandoned.Add(task);
    }
}
