using Dapper;
using NacosSync.Core.Config;
using NacosSync.Core.Options;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.Sandbox;
using NacosSync.Storage.Config;

namespace NacosSync.IntegrationTests.Config;

/// <summary>The config defects of issue 9, each against a 2.4 pair (sandbox + MariaDB).</summary>
[TestFixture]
internal sealed class ConfigDefectTests
{
    private ConfigSyncHarness _h = null!;

    [SetUp]
    public async Task StartAsync() => _h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4);

    [TearDown]
    public async Task StopAsync() => await _h.DisposeAsync();

    private async Task<string?> TargetContentAsync(string dataId)
    {
        await using var c = await _h.TargetDatabase.OpenAsync(CancellationToken.None);
        return await c.ExecuteScalarAsync<string>("SELECT content FROM config_info WHERE data_id = @dataId", new { dataId });
    }

    private static string Describe(SyncRunResult r) =>
        $"added {r.Added}, updated {r.Updated}, removed {r.Removed}, refused {r.Refused}, failed {r.Failed}, errors: {string.Join(" | ", r.Errors.Take(5).Select(e => $"{e.Stage}: {e.Message}"))}";

    [Test]
    public async Task More_unproven_keys_than_a_checkpoint_column_holds_are_all_kept_and_the_next_run_stays_incremental()
    {
        await _h.WriteSourceAsync("seed", "s");
        Assert.That((await _h.RunAsync(SyncMode.Full)).Succeeded, Is.True, "initial copy");
        var longName = new string('x', 180);
        for (var i = 0; i < 600; i++)
        {
            await _h.WriteSourceAsync($"{longName}-{i:D3}", "v" + i);
        }

        _h.Task.Config.VerifyDeadline = TimeSpan.FromMilliseconds(200);
        var stale = await _h.RunAsync(SyncMode.Incremental, _h.Runner(skipRefresh: true));
        Assert.That(stale.Added, Is.EqualTo(600), Describe(stale));
        Assert.That(stale.Errors.Where(e => e.Key is null).Select(e => e.Message), Is.Empty,
            "the only errors name an unproven key; saving 600 pending keys (well over 64 KB of them) does not fail: " + Describe(stale));
        var pending = await _h.State.LoadEntriesAsync(new StateKey(ConfigSyncHarness.TaskName, SyncKind.Config), StateScope.Pending, CancellationToken.None);
        Assert.That(pending, Has.Count.EqualTo(600), "one row per unproven key, none dropped");

        await _h.WriteSourceAsync("after", "a");
        _h.Task.Config.VerifyDeadline = TimeSpan.FromSeconds(5);
        var key = new StateKey(ConfigSyncHarness.TaskName, SyncKind.Config);
        var fullSyncAt = (await _h.State.LoadCheckpointAsync(key, CancellationToken.None))!.FullSyncAt;
        var next = await _h.RunAsync(SyncMode.Incremental);
        Assert.Multiple(async () =>
        {
            Assert.That((await _h.State.LoadCheckpointAsync(key, CancellationToken.None))!.FullSyncAt, Is.EqualTo(fullSyncAt),
                "the checkpoint was saved and trusted: no fallback to a full run");
            Assert.That(next.Added, Is.EqualTo(1), "the new change is applied: " + Describe(next));
            Assert.That(next.Succeeded, Is.True, "the 600 pending keys are refreshed and proven: " + Describe(next));
            Assert.That(await _h.State.LoadEntriesAsync(new StateKey(ConfigSyncHarness.TaskName, SyncKind.Config), StateScope.Pending, CancellationToken.None), Is.Empty,
                "proven keys leave the pending rows");
        });
    }

    [Test]
    public async Task A_checkpoint_that_cannot_be_saved_does_not_turn_incremental_runs_into_back_to_back_full_runs()
    {
        await _h.WriteSourceAsync("a", "1");
        var runner = _h.Runner(state: new FailingSaveStore(_h.State));
        var first = await _h.RunAsync(SyncMode.Incremental, runner);
        Assert.That(first.Added, Is.EqualTo(1), "no checkpoint yet: the incremental run stands in a full one: " + Describe(first));
        Assert.That(first.Errors.Select(e => e.Message), Has.Some.Contains("Data too long"), "the failed save is reported");

        await _h.WriteSourceAsync("b", "2");
        var second = await _h.RunAsync(SyncMode.Incremental, runner);
        Assert.That((second.Read, second.Added), Is.EqualTo((0L, 0L)),
            "a second full run a second later would re-read everything; it waits for Config's fallback interval instead: " + Describe(second));
    }

    [Test]
    public async Task A_group_mapped_onto_a_name_the_source_also_uses_does_not_churn_and_is_reported()
    {
        _h.Task.Groups["G1"] = "G2";
        await _h.WriteSourceAsync(_h.SourceKey("x", group: "G1"), "from G1");
        await _h.WriteSourceAsync(_h.SourceKey("y", group: "G2"), "the source's own G2");
        var first = await _h.RunAsync(SyncMode.Full);
        Assert.That(first.Added, Is.EqualTo(1), "G1/x copied as G2/x: " + Describe(first));
        Assert.That(first.Errors.Select(e => e.Message), Has.Some.Contains("Tasks:t:Groups maps 'G1' onto 'G2'"), "the left-out group is named with the key to change");
        for (var run = 2; run <= 3; run++)
        {
            var again = await _h.RunAsync(SyncMode.Full);
            Assert.That((again.Added, again.Removed), Is.EqualTo((0L, 0L)), $"full run {run} neither adds nor deletes the same configs again: " + Describe(again));
        }

        Assert.That(await _h.ServedByEveryNodeAsync(_h.TargetKey("x", group: "G2")), Is.All.EqualTo(ConfigMd5.Of("from G1")), "the mapped copy stays");
    }

    [Test]
    public async Task A_delete_the_target_api_refuses_is_an_error_naming_the_key_that_is_retried_without_re_reading_every_node()
    {
        await _h.WriteSourceAsync("gone", "soon");
        Assert.That((await _h.RunAsync(SyncMode.Full)).Added, Is.EqualTo(1), "initial copy");
        await _h.DeleteSourceAsync("gone");
        _h.Traffic.ForbidDeletes = true;

        var refused = await _h.RunAsync(SyncMode.Incremental);
        var refreshesAfterFirst = _h.Traffic.LocalCacheCalls;
        var again = await _h.RunAsync(SyncMode.Incremental);
        await using (var c = await _h.TargetDatabase.OpenAsync(CancellationToken.None))
        {
            Assert.Multiple(async () =>
            {
                Assert.That(refused.Removed, Is.Zero, "nothing was removed: " + Describe(refused));
                Assert.That(refused.Errors.Where(e => e.Stage == SyncStage.Write).Select(e => e.Key), Has.Member(_h.TargetKey("gone").ToString()), "the failed delete names its key");
                Assert.That(await c.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM config_info WHERE data_id = 'gone'"), Is.EqualTo(1),
                    "no database delete behind the nodes' backs (2.4 nodes would serve the key for ever)");
                Assert.That(again.Errors.Where(e => e.Stage == SyncStage.Write).Select(e => e.Key), Has.Member(_h.TargetKey("gone").ToString()), "the next run tries the delete again");
                Assert.That(_h.Traffic.LocalCacheCalls, Is.EqualTo(refreshesAfterFirst), "and does not make every node re-read every config for it");
            });
        }

        _h.Traffic.ForbidDeletes = false;
        var retried = await _h.RunAsync(SyncMode.Incremental);
        Assert.That((retried.Removed, retried.Errors.Count), Is.EqualTo((1L, 0)), "once the API accepts it, the delete goes through: " + Describe(retried));
        Assert.That(await _h.ServedByEveryNodeAsync(_h.TargetKey("gone")), Is.All.Null, "and no node serves the key");
    }

    [Test]
    public async Task A_native_target_config_under_a_source_key_is_left_alone_and_never_becomes_owned()
    {
        await _h.WriteTargetAsync("shared", "the target's own");
        await _h.WriteSourceAsync("shared", "the source's");
        var full = await _h.RunAsync(SyncMode.Full);
        var owned = await _h.Ledger.OwnedAsync(new LedgerScope(ConfigSyncHarness.TaskName, "tgt"), [_h.TargetKey("shared")], CancellationToken.None);
        Assert.Multiple(async () =>
        {
            Assert.That((full.Updated, full.Refused), Is.EqualTo((0L, 1L)), "the native config is not overwritten: " + Describe(full));
            Assert.That(owned, Is.Empty, "and does not become owned, so a source delete can never remove it");
            Assert.That(await TargetContentAsync("shared"), Is.EqualTo("the target's own"), "it keeps its own value");
        });

        _h.Task.Config.MirrorDeletes = true;
        var mirror = await _h.RunAsync(SyncMode.Full);
        Assert.That(mirror.Updated, Is.EqualTo(1), "a mirror makes the target equal the source: " + Describe(mirror));
        Assert.That(await TargetContentAsync("shared"), Is.EqualTo("the source's"), "overwritten in mirror mode");
    }

    [Test]
    public async Task A_write_that_fails_inside_the_diff_is_a_write_error_and_nothing_is_applied_twice()
    {
        for (var i = 0; i < 250; i++)
        {
            await _h.WriteSourceAsync($"k{i:D3}", "v" + i);
        }

        FaultyTarget? target = null;
        var runner = _h.Runner(decorateTarget: t => target = new FaultyTarget(t) { FailBefore = _h.TargetKey("k100") });
        var run = await _h.RunAsync(SyncMode.Full, runner);
        Assert.Multiple(() =>
        {
            Assert.That(run.Errors.Select(e => e.Stage), Has.Member(SyncStage.Write).And.No.Member(SyncStage.ReadSource), "a target failure is not a source read failure: " + Describe(run));
            Assert.That(target!.Upserts(_h.TargetKey("k000")), Is.EqualTo(1), "keys before the failure are written once, not re-applied");
            Assert.That(target.Upserts(_h.TargetKey("k100")), Is.EqualTo(1), "the failing key is not retried within the run");
        });
    }

    [Test]
    public async Task A_crash_between_a_row_and_its_ledger_entry_still_lets_a_later_source_delete_reach_the_row()
    {
        for (var i = 0; i < 5; i++)
        {
            await _h.WriteSourceAsync("c" + i, "v");
        }

        var crashed = await _h.RunAsync(SyncMode.Full, _h.Runner(decorateTarget: t => new FaultyTarget(t) { CrashAfter = _h.TargetKey("c2") }));
        Assert.That(crashed.Errors, Is.Not.Empty, "the run died after writing c2: " + Describe(crashed));
        var owned = await _h.Ledger.OwnedAsync(new LedgerScope(ConfigSyncHarness.TaskName, "tgt"), [_h.TargetKey("c2")], CancellationToken.None);
        Assert.That(owned, Has.Member(_h.TargetKey("c2")), "the ledger entry was written before the row");

        Assert.That((await _h.RunAsync(SyncMode.Full)).Succeeded, Is.True, "the restarted daemon completes the copy");
        await _h.DeleteSourceAsync("c2");
        var removed = await _h.RunAsync(SyncMode.Incremental);
        Assert.That(removed.Removed, Is.EqualTo(1), "the source delete reaches the config written just before the crash: " + Describe(removed));
        Assert.That(await _h.ServedByEveryNodeAsync(_h.TargetKey("c2")), Is.All.Null, "gone from every node");
    }
}

[TestFixture]
internal sealed class ConfigApiModeDeleteTests
{
    [Test]
    public async Task A_burst_of_150_source_deletes_reaches_an_api_mode_target()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4, ConfigSyncMode.Api);
        h.Task.Guards.MaxDeletionRatio = 0.5;
        h.Task.Guards.MaxDeletionRatioPerWindow = 0.5;
        for (var i = 0; i < 400; i++)
        {
            await h.WriteSourceAsync($"b{i:D3}", "v" + i);
        }

        var full = await h.RunAsync(SyncMode.Full);
        Assert.That((full.Added, full.Errors.Count), Is.EqualTo((400L, 0)), string.Join(" | ", full.Errors.Take(3).Select(e => e.Message)));
        for (var i = 0; i < 150; i++)
        {
            await h.DeleteSourceAsync($"b{i:D3}");
        }

        var run = await h.RunAsync(SyncMode.Incremental);
        Assert.Multiple(async () =>
        {
            Assert.That((run.Removed, run.Errors.Count, run.GuardTripped), Is.EqualTo((150L, 0, (string?)null)),
                $"removed {run.Removed}, refused {run.Refused}, guard {run.GuardTripped}, errors: {string.Join(" | ", run.Errors.Take(3).Select(e => e.Message))}");
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("b000")), Is.All.Null, "the first delete reached every node");
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("b149")), Is.All.Null, "the last delete reached every node");
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("b150")), Is.All.Not.Null, "the rest stay");
        });
    }

    [Test]
    public async Task A_burst_beyond_the_per_run_cap_is_refused_by_name_and_one_run_with_allow_deletions_removes_it_all()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4, ConfigSyncMode.Api);
        for (var i = 0; i < 400; i++)
        {
            await h.WriteSourceAsync($"c{i:D3}", "v" + i);
        }

        Assert.That((await h.RunAsync(SyncMode.Full)).Added, Is.EqualTo(400), "initial copy");
        for (var i = 0; i < 150; i++)
        {
            await h.DeleteSourceAsync($"c{i:D3}");
        }

        var held = await h.RunAsync(SyncMode.Incremental);
        Assert.Multiple(() =>
        {
            Assert.That((held.Removed, held.Refused), Is.EqualTo((0L, 150L)), "150 of 400 is over the default per-run cap (20 %): nothing is removed, all are counted refused");
            Assert.That(held.GuardTripped, Does.Contain("Guards:MaxDeletionRatio").And.Contain("--allow-deletions"), "the refusal names the guard and the way out");
        });

        var allowed = await h.RunAsync(SyncMode.Full, request: new SyncRunRequest(AllowDeletions: true));
        Assert.Multiple(async () =>
        {
            Assert.That((allowed.Removed, allowed.Errors.Count), Is.EqualTo((150L, 0)), "the operator's one run removes the whole burst");
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("c149")), Is.All.Null, "gone from every node");
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("c150")), Is.All.Not.Null, "the rest stay");
        });
    }

    [Test]
    public async Task Removals_held_back_by_the_window_cap_go_ahead_in_an_incremental_run_once_the_window_has_passed()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4, ConfigSyncMode.Api);
        // Long enough that the slices and the run "meanwhile" below fit in it on a busy machine; the history overlap is 1 s.
        var window = TimeSpan.FromSeconds(12);
        h.Task.Guards.DeletionWindow = window;
        // The window (default 10 min) outlasts the history overlap (default 60 s) that would otherwise show the deletes
        // again; both are shortened here in the same proportion.
        var runner = h.Runner(historyOverlap: TimeSpan.FromSeconds(1));
        for (var i = 0; i < 400; i++)
        {
            await h.WriteSourceAsync($"w{i:D3}", "v" + i);
        }

        Assert.That((await h.RunAsync(SyncMode.Full)).Added, Is.EqualTo(400), "initial copy");
        var deleted = 0;
        async Task<SyncRunResult> DeleteAndRunAsync(int count)
        {
            for (var i = 0; i < count; i++, deleted++)
            {
                await h.DeleteSourceAsync($"w{deleted:D3}");
            }

            return await h.RunAsync(SyncMode.Incremental, runner);
        }

        // Per run the cap is 20 % of what is owned; per window 30 % of 400 = 120.
        var firstRemovals = System.Diagnostics.Stopwatch.StartNew();
        Assert.That((await DeleteAndRunAsync(60)).Removed, Is.EqualTo(60), "first slice, under both caps");
        var sinceFirstRecorded = System.Diagnostics.Stopwatch.StartNew(); // the first slice's removals were recorded just before
        Assert.That((await DeleteAndRunAsync(60)).Removed, Is.EqualTo(60), "second slice: 120 in the window, at the cap");
        var held = await DeleteAndRunAsync(30);
        Assert.That((held.Removed, held.Refused), Is.EqualTo((0L, 30L)), "the third slice would pass 120 in the window: held back");
        Assert.That(held.GuardTripped, Does.Contain("once the window has passed"), "the refusal says when they go ahead");

        // The source goes on changing: its newer history pushes the held-back deletes out of the overlap re-read.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await h.WriteSourceAsync("tick", "t");
        var meanwhile = await h.RunAsync(SyncMode.Incremental, runner);
        Assert.That((meanwhile.Added, meanwhile.Removed), Is.EqualTo((1L, 0L)), "still inside the window: the new config is copied, nothing removed");

        Assert.That(firstRemovals.Elapsed, Is.LessThan(window), "the run above was inside the window (else this machine is too slow for the scenario)");
        await Task.Delay(window - sinceFirstRecorded.Elapsed + TimeSpan.FromSeconds(0.5));
        var later = await h.RunAsync(SyncMode.Incremental, runner);
        Assert.Multiple(async () =>
        {
            Assert.That(later.Removed, Is.EqualTo(30L),
                "the held-back removals are kept and go ahead in the first incremental run after the window, as the refusal promised, not only at the next full run");
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("w149")), Is.All.Null, "the last held-back key is gone from every node");
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("w150")), Is.All.Not.Null, "the rest stay");
        });
    }
}
