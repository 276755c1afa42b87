using Microsoft.Extensions.Time.Testing;
using NacosSync.Engine.Naming;
using static NacosSync.Tests.Naming.NamingTestData;

namespace NacosSync.Tests.Naming;

/// <summary>The scheduler alone, on a fake clock, with beats that answer at once.</summary>
[TestFixture]
public sealed class BeatSchedulerTests
{
    [Test]
    public async Task When_the_slots_are_full_the_most_overdue_replica_is_beaten_first()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var beaten = new List<string>();
        var scheduler = new BeatScheduler(clock, new ReplicaKeeperOptions { MaxConcurrencyPerCluster = 1 }, (entry, _) =>
        {
            lock (beaten)
            {
                beaten.Add(entry.Id.Address.Ip);
            }

            return Task.FromResult(BeatResult.Ok);
        }, _ => { });
        KeptReplica Due(string ip)
        {
            var entry = new KeptReplica(new ReplicaId("t", Owned(Instance(ip)).Key.Address), "b", Owned(Instance(ip)));
            scheduler.ScheduleWithin(entry, TimeSpan.Zero); // due now
            clock.Advance(TimeSpan.FromMilliseconds(10));
            return entry;
        }

        Due("10.0.0.1");
        Due("10.0.0.2");
        Due("10.0.0.3");
        clock.Advance(TimeSpan.FromSeconds(1));
        await Task.WhenAll(scheduler.DispatchDue(CancellationToken.None)); // one slot: .1 goes, .2 and .3 wait
        Due("10.0.0.4"); // due after .2 and .3 were
        for (var pass = 0; pass < 3; pass++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAll(scheduler.DispatchDue(CancellationToken.None));
        }

        Assert.That(beaten, Is.EqualTo(new[] { "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4" }),
            "replicas left waiting for a slot keep their place by due time: one due later never overtakes them (else, behind, one could starve)");
    }
}
