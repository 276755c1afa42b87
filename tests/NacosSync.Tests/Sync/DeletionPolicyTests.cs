using NacosSync.Core.Options;
using NacosSync.Core.Sync;
using NUnit.Framework;

namespace NacosSync.Tests.Sync;

[TestFixture]
public sealed class DeletionPolicyTests
{
    private static readonly GuardOptions Guards = new() { MaxDeletionRatio = 0.2, MaxDeletionRatioPerWindow = 0.3, DeletionAllowance = 2, DeletionWindow = TimeSpan.FromMinutes(10) };

    private static DeletionContext Context(long owned = 100, bool firstFull = true, bool allow = false, long inWindow = 0) => new(owned, firstFull, allow, inWindow);

    [Test]
    public void Removals_in_a_namespace_whose_source_read_failed_are_refused_even_with_allow_deletions()
    {
        var verdict = DeletionPolicy.Judge([new("a", 1, SourceReadComplete: false, SourceReadEmpty: false), new("b", 1, true, false)], Context(allow: true), Guards);
        Assert.That(verdict.Allows("a"), Is.False, "a failed read says nothing about what the source lacks");
        Assert.That(verdict.Allows("b"), Is.True, "the other namespace read fine");
        Assert.That(verdict.PolicyTripped, Is.False, "a failed read is an error of its own, not a guard trip");
    }

    [Test]
    public void Namespaces_held_back_by_a_policy_rule_are_named_apart_from_those_whose_read_failed()
    {
        var verdict = DeletionPolicy.Judge([new("failed", 1, SourceReadComplete: false, SourceReadEmpty: false), new("b", 30, true, false)], Context(owned: 100), Guards);
        Assert.That(verdict.HeldByPolicy, Is.EquivalentTo(new[] { "b" }),
            "b's removals wait for the ratio (a later run may lift it, so the caller keeps them); a failed read is never lifted, so 'failed' is not held for later");
    }

    [Test]
    public void Nothing_is_removed_before_the_first_complete_full_sync()
    {
        var verdict = DeletionPolicy.Judge([new("a", 1, true, false)], Context(firstFull: false), Guards);
        Assert.That(verdict.Allows("a"), Is.False);
        Assert.That(verdict.PolicyTripped, Is.True);
        Assert.That(verdict.Reason, Does.Contain("no complete full sync"));
    }

    [Test]
    public void A_namespace_that_reads_empty_is_not_emptied_but_the_others_go_ahead()
    {
        var verdict = DeletionPolicy.Judge([new("empty", 2, true, SourceReadEmpty: true), new("b", 1, true, false)], Context(), Guards);
        Assert.That(verdict.Allows("empty"), Is.False);
        Assert.That(verdict.Allows("b"), Is.True, "the empty-source rule is judged per namespace");
    }

    [Test]
    public void A_run_over_the_per_run_ratio_removes_nothing()
    {
        var verdict = DeletionPolicy.Judge([new("a", 15, true, false), new("b", 6, true, false)], Context(owned: 100), Guards);
        Assert.That(verdict.Allowed, Is.Empty, "21 > 20 % of 100: the whole run's removals wait");
        Assert.That(verdict.RefusedCount([new("a", 15, true, false), new("b", 6, true, false)]), Is.EqualTo(21));
    }

    [Test]
    public void Runs_each_under_the_per_run_ratio_are_stopped_by_the_window()
    {
        var first = DeletionPolicy.Judge([new("a", 15, true, false)], Context(owned: 100, inWindow: 0), Guards);
        Assert.That(first.Allows("a"), Is.True);
        var second = DeletionPolicy.Judge([new("a", 15, true, false)], Context(owned: 85, inWindow: 15), Guards);
        Assert.That(second.Allows("a"), Is.True, "30 of the 100 owned when the window began is the limit");
        var third = DeletionPolicy.Judge([new("a", 14, true, false)], Context(owned: 70, inWindow: 30), Guards);
        Assert.That(third.Allows("a"), Is.False, "a flapping source must not drain the target a few runs at a time");
        Assert.That(third.Reason, Does.Contain("per-window"));
    }

    [Test]
    public void The_allowance_always_passes_and_allow_deletions_lifts_the_caps()
    {
        Assert.That(DeletionPolicy.Judge([new("a", 2, true, false)], Context(owned: 3), Guards).Allows("a"), Is.True);
        Assert.That(DeletionPolicy.Judge([new("a", 90, true, true)], Context(owned: 100, firstFull: false, allow: true, inWindow: 50), Guards).Allows("a"), Is.True);
    }

    [Test]
    public void Removal_grace_holds_a_candidate_until_it_has_been_missing_long_enough_and_forgets_one_that_reappears()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var (ripe, missing) = RemovalGrace.Split(["x", "y"], new Dictionary<string, DateTimeOffset>(), t0, TimeSpan.FromSeconds(15));
        Assert.That(ripe, Is.Empty, "first seen missing now");
        (ripe, missing) = RemovalGrace.Split(["x"], missing, t0.AddSeconds(15), TimeSpan.FromSeconds(15));
        Assert.That(ripe, Is.EqualTo(new[] { "x" }));
        Assert.That(missing.ContainsKey("y"), Is.False, "y came back: its clock starts again if it goes missing later");
    }
}
