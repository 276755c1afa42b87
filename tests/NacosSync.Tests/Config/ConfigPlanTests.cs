using NacosSync.Core.Config;
using NacosSync.Core.Options;

namespace NacosSync.Tests.Config;

[TestFixture]
internal sealed class ConfigPlanTests
{
    private static readonly ConfigKey A = new("", "DEFAULT_GROUP", "a");
    private static readonly ConfigKey B = new("", "DEFAULT_GROUP", "b");
    private static readonly ConfigKey C = new("dev", "DEFAULT_GROUP", "c");

    [Test]
    public void An_update_of_a_target_config_the_task_did_not_write_is_left_alone_unless_the_task_mirrors()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ConfigPlan.Upsert(ConfigChangeKind.Update, owned: false, mirror: false), Is.EqualTo(UpsertDecision.LeaveNative),
                "a native target config must not be overwritten (it would become owned and later deleted)");
            Assert.That(ConfigPlan.Upsert(ConfigChangeKind.Update, owned: true, mirror: false), Is.EqualTo(UpsertDecision.Apply), "the task's own copy is kept current");
            Assert.That(ConfigPlan.Upsert(ConfigChangeKind.Update, owned: false, mirror: true), Is.EqualTo(UpsertDecision.Apply), "a mirror makes the target equal the source");
            Assert.That(ConfigPlan.Upsert(ConfigChangeKind.Add, owned: false, mirror: false), Is.EqualTo(UpsertDecision.Apply), "an addition overwrites nothing");
        });
    }

    [Test]
    public void Only_owned_removal_candidates_are_removable_unless_the_task_mirrors()
    {
        var owned = new HashSet<ConfigKey> { A };
        Assert.Multiple(() =>
        {
            Assert.That(ConfigPlan.Removable([A, B, A], owned, mirror: false), Is.EqualTo(new[] { A }), "native configs stay, each key once");
            Assert.That(ConfigPlan.Removable([A, B], owned, mirror: true), Is.EqualTo(new[] { A, B }), "a mirror removes natives too");
        });
    }

    [Test]
    public void Pending_keys_carry_over_whole_however_many_and_a_key_written_again_carries_its_new_md5()
    {
        var previous = Enumerable.Range(0, 5_000).Select(i => new PendingConfig(new ConfigKey("", "G", "k" + i), "old", DateTimeOffset.UnixEpoch)).ToList();
        var first = previous[0].Key;
        var next = ConfigPlan.CarryOver(previous, new HashSet<ConfigKey> { first }, [new PendingConfig(first, "new", DateTimeOffset.UnixEpoch.AddHours(1))]);
        Assert.Multiple(() =>
        {
            Assert.That(next, Has.Count.EqualTo(5_000), "no cap: none dropped");
            Assert.That(next.Single(p => p.Key == first).Md5, Is.EqualTo("new"), "the newest write is what must be proven");
        });
    }

    [Test]
    public void A_key_still_pending_keeps_the_time_of_its_oldest_unproven_change()
    {
        var next = ConfigPlan.CarryOver([new PendingConfig(A, "m1", DateTimeOffset.UnixEpoch)], new HashSet<ConfigKey>(), [new PendingConfig(A, "m2", DateTimeOffset.UnixEpoch.AddMinutes(5))]);
        Assert.That(next.Single().ChangedAt, Is.EqualTo(DateTimeOffset.UnixEpoch), "lag counts from the first change not yet visible");
    }

    [Test]
    public void Resuming_splits_pending_proofs_from_removals_to_retry_and_drops_keys_written_again()
    {
        var d = new ConfigKey("", "DEFAULT_GROUP", "d");
        var (prove, retry) = ConfigPlan.Resume(
            [new PendingConfig(A, "m", null), new PendingConfig(B, null, null, RetryDelete: true, SourceKey: B), new PendingConfig(C, "m", null), new PendingConfig(d, null, null, RetryDelete: true)],
            writtenThisRun: new HashSet<ConfigKey> { C }, changedThisRun: new HashSet<ConfigKey> { A, C, d });
        Assert.Multiple(() =>
        {
            Assert.That(prove.Select(p => p.Key), Is.EqualTo(new[] { A }), "C was written again and is proven with its new md5; A changed but was not rewritten, so it is still to prove");
            Assert.That(retry.Select(p => p.Key), Is.EqualTo(new[] { B }), "a failed removal is retried, unless a newer change of its key decides (d)");
        });
    }

    [Test]
    public void A_target_key_is_in_scope_only_when_the_source_group_it_comes_from_passes_the_filter()
    {
        var groups = new Dictionary<string, string>(StringComparer.Ordinal) { ["G1"] = "G2" };
        var filter = new ConfigKeyFilter(new ConfigFilter(new FilterOptions { Include = { "G1", "APP" } }), ConfigFilter.All);
        Assert.Multiple(() =>
        {
            Assert.That(ConfigPlan.InScope(new ConfigKey("", "G2", "x"), groups, filter), Is.True, "G2 comes from G1, which the filter includes");
            Assert.That(ConfigPlan.InScope(new ConfigKey("", "APP", "x"), groups, filter), Is.True, "an unmapped included group");
            Assert.That(ConfigPlan.InScope(new ConfigKey("", "OTHER", "x"), groups, filter), Is.False, "a group the filter excludes is never touched, even in mirror mode");
            Assert.That(ConfigPlan.InScope(new ConfigKey("", "G1", "x"), groups, filter), Is.False, "nothing lands in G1: it is mapped away");
        });
    }
}
