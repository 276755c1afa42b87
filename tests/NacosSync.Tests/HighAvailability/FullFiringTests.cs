using NacosSync.Hosting.Jobs;

namespace NacosSync.Tests.HighAvailability;

/// <summary>What a firing of the full job does on the replica it fired on (<see cref="FullSyncJob.Decide"/>).</summary>
[TestFixture]
internal sealed class FullFiringTests
{
    [Test]
    public void A_takeover_run_fired_where_the_task_is_no_longer_owned_is_dropped_not_handed_to_the_new_owner()
    {
        // r1 took the task and stored its takeover run, then handed the task to r2 before the run fired: r2 stored its own.
        Assert.That(FullSyncJob.Decide(ownedHere: false, reconciledHere: false, takeover: true), Is.EqualTo(FullFiring.Drop),
            "handed on, it would be the new owner's second full run for one change of hands");
    }

    [Test]
    public void A_takeover_run_on_an_owner_that_already_had_its_full_run_in_this_tenure_is_dropped()
    {
        // Lost and taken again: the one-off of the earlier tenure ran first, or a cron firing did.
        Assert.That(FullSyncJob.Decide(ownedHere: true, reconciledHere: true, takeover: true), Is.EqualTo(FullFiring.Drop),
            "one full run per change of hands");
    }

    [Test]
    public void A_takeover_run_on_its_owner_runs_once()
    {
        Assert.That(FullSyncJob.Decide(ownedHere: true, reconciledHere: false, takeover: true), Is.EqualTo(FullFiring.Run));
    }

    [TestCase(true, FullFiring.Run)]
    [TestCase(false, FullFiring.Run)]
    public void A_cron_forwarded_or_admin_firing_on_the_owner_runs_whether_or_not_the_task_was_reconciled(bool reconciled, FullFiring expected)
    {
        Assert.That(FullSyncJob.Decide(ownedHere: true, reconciledHere: reconciled, takeover: false), Is.EqualTo(expected),
            "a scheduled or asked-for full run is never skipped on the owner");
    }

    [Test]
    public void A_cron_firing_that_lands_on_a_standby_is_handed_to_the_owner()
    {
        Assert.That(FullSyncJob.Decide(ownedHere: false, reconciledHere: false, takeover: false), Is.EqualTo(FullFiring.HandToOwner),
            "each firing runs once, on the owner");
    }
}
