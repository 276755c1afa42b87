using NacosSync.Core.Naming;
using NacosSync.Core.Options;
using static NacosSync.Tests.Naming.NamingTestData;

namespace NacosSync.Tests.Naming;

[TestFixture]
public sealed class NamingGuardTests
{
    private static readonly HashSet<string> None = [];

    private static List<NamingChange> Removals(int count, string ns = "public") =>
        [.. Enumerable.Range(1, count).Select(i => new NamingChange(NamingChangeKind.Remove, Owned(Instance($"10.0.0.{i}", ns: ns))))];

    private static NamingGuardContext Context(int owned = 100, bool firstDone = true, bool allow = false, HashSet<string>? incomplete = null, HashSet<string>? empty = null) =>
        new(incomplete ?? None, empty ?? None, owned, firstDone, allow);

    [Test]
    public void Removals_in_a_namespace_whose_source_read_failed_are_refused_even_when_allowed()
    {
        var guarded = NamingGuard.Apply(Removals(3), Context(allow: true, incomplete: ["public"]), new GuardOptions());

        Assert.That(guarded.Allowed, Is.Empty, "a failed read is never a reason to delete");
        Assert.That(guarded.Refused, Has.Count.EqualTo(3));
        Assert.That(guarded.Reason, Does.Contain("failed or was incomplete"));
    }

    [Test]
    public void Nothing_is_removed_before_the_first_complete_full_sync()
    {
        var guarded = NamingGuard.Apply(Removals(1), Context(firstDone: false), new GuardOptions());

        Assert.That(guarded.Refused, Has.Count.EqualTo(1));
        Assert.That(guarded.Reason, Does.Contain("no complete full sync"));
    }

    [Test]
    public void A_source_namespace_that_reads_empty_does_not_empty_the_target()
    {
        var guarded = NamingGuard.Apply(Removals(2), Context(empty: ["public"]), new GuardOptions());

        Assert.That(guarded.Allowed, Is.Empty);
        Assert.That(guarded.Reason, Does.Contain("read empty"));
    }

    [Test]
    public void Removing_more_than_the_share_refuses_every_removal_and_names_the_numbers()
    {
        var changes = Removals(30);
        changes.Add(new NamingChange(NamingChangeKind.Add, Instance("10.1.0.1")));

        var guarded = NamingGuard.Apply(changes, Context(owned: 100), new GuardOptions { MaxDeletionRatio = 0.2, DeletionAllowance = 10 });

        Assert.That(guarded.Allowed.Select(c => c.Kind), Is.EqualTo(new[] { NamingChangeKind.Add }), "adds pass, every removal is held");
        Assert.That(guarded.Refused, Has.Count.EqualTo(30));
        Assert.That(guarded.Reason, Does.Contain("30 removal(s) of 100").And.Contain("limit 20"));
    }

    [Test]
    public void The_allowance_lets_small_tasks_remove_and_allow_deletions_passes_the_ratio_once()
    {
        var small = NamingGuard.Apply(Removals(5), Context(owned: 6), new GuardOptions());
        var allowed = NamingGuard.Apply(Removals(30), Context(owned: 30, allow: true), new GuardOptions());

        Assert.That(small.Allowed, Has.Count.EqualTo(5), "5 ≤ the allowance of 10");
        Assert.That(allowed.Allowed, Has.Count.EqualTo(30), "--allow-deletions lets the run remove everything it owns");
        Assert.That(allowed.Tripped, Is.False);
    }
}
