using NacosSync.Core.Naming;
using NacosSync.Core.Options;
using NacosSync.Core.Sync;
using NacosSync.Sandbox;
using static NacosSync.IntegrationTests.Naming.NamingSyncHarness;

namespace NacosSync.IntegrationTests.Naming;

[TestFixture]
internal sealed class NamingSyncTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Test]
    public async Task The_initial_copy_brings_every_instance_with_its_origin_and_leaves_native_instances_alone()
    {
        await using var h = await StartAsync();
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1", metadata: ("zone", "a")), None);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.2", weight: 2, enabled: false), None);
        await h.SourceApi.RegisterAsync(Instance("pay", "10.0.1.1", group: "PAY", cluster: "blue"), None);
        await h.TargetApi.RegisterAsync(Instance("orders", "10.9.9.9", metadata: ("native", "yes")), None);

        var result = await h.RunAsync();
        var target = await AllAsync(h.TargetApi);

        Assert.Multiple(() =>
        {
            Assert.That(result.Errors, Is.Empty, "a clean run");
            Assert.That(result.Added, Is.EqualTo(3), "three source instances");
            Assert.That(target, Has.Count.EqualTo(4), "three replicas plus the native instance");
            var replica = target.Single(i => i.Key.Ip == "10.0.0.1");
            Assert.That(replica.Metadata[ReplicaOwner.OriginClusterKey], Is.EqualTo("a"), "origin stamped");
            Assert.That(replica.Metadata[ReplicaOwner.TaskKey], Is.EqualTo("a-to-b"));
            Assert.That(replica.Metadata["zone"], Is.EqualTo("a"), "source metadata kept");
            var disabled = target.Single(i => i.Key.Ip == "10.0.0.2");
            Assert.That((disabled.Enabled, disabled.Weight), Is.EqualTo((false, 2.0)), "a disabled source instance is copied disabled, with its weight");
            Assert.That(target.Single(i => i.Key.Ip == "10.0.1.1").Key, Is.EqualTo(new InstanceKey(new ServiceKey("public", "PAY", "pay"), "blue", "10.0.1.1", 8080)),
                "group and cluster kept");
            var native = target.Single(i => i.Key.Ip == "10.9.9.9");
            Assert.That(native.Metadata, Is.EqualTo(new Dictionary<string, string> { ["native"] = "yes" }), "the native instance is untouched");
        });
    }

    [Test]
    public async Task Adds_changes_and_removals_in_the_source_reach_the_target_and_native_instances_survive()
    {
        await using var h = await StartAsync();
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1"), None);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.2"), None);
        await h.TargetApi.RegisterAsync(Instance("orders", "10.9.9.9"), None);
        await h.RunAsync();

        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.3"), None);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1", weight: 7, metadata: ("v", "2")), None);
        await h.SourceApi.DeregisterAsync(Instance("orders", "10.0.0.2"), None);
        var result = await h.RunAsync();
        var target = await AllAsync(h.TargetApi);

        Assert.Multiple(() =>
        {
            Assert.That((result.Added, result.Updated, result.Removed), Is.EqualTo((1L, 1L, 1L)), "one of each; the change is an update");
            Assert.That(target.Select(i => i.Key.Ip).Order(), Is.EqualTo(new[] { "10.0.0.1", "10.0.0.3", "10.9.9.9" }));
            var changed = target.Single(i => i.Key.Ip == "10.0.0.1");
            Assert.That((changed.Weight, changed.Metadata["v"]), Is.EqualTo((7.0, "2")), "the change arrived");
            Assert.That(h.Keeper.IsTracked("a-to-b", Instance("orders", "10.0.0.2").Key), Is.False, "the removed replica is no longer beaten");
        });
    }

    [Test]
    public async Task A_change_of_weight_or_an_added_metadata_key_is_one_overlay_write_and_a_removed_key_re_registers()
    {
        await using var h = await StartAsync();
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1", metadata: ("k", "v")), None);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.2", metadata: ("k", "v")), None);
        await h.RunAsync();

        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1", weight: 5, metadata: [("k", "v2"), ("added", "yes")]), None);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.2", weight: 3), None); // "k" removed
        var before = TargetWrites(h);
        var result = await h.RunAsync();
        var writes = Since(before, TargetWrites(h));
        var target = await AllAsync(h.TargetApi);

        Assert.Multiple(() =>
        {
            Assert.That(result.Updated, Is.EqualTo(2));
            var overlaid = target.Single(i => i.Key.Ip == "10.0.0.1");
            Assert.That((overlaid.Weight, overlaid.Metadata["k"], overlaid.Metadata["added"]), Is.EqualTo((5.0, "v2", "yes")), "the overlay alone serves the change");
            var reRegistered = target.Single(i => i.Key.Ip == "10.0.0.2");
            Assert.That((reRegistered.Weight, reRegistered.Metadata.ContainsKey("k")), Is.EqualTo((3.0, false)), "the removed key is gone");
            Assert.That(writes.Register, Is.EqualTo(1), "one registration: the instance that lost a metadata key");
            Assert.That(writes.Update, Is.EqualTo(2), "one overlay each");
        });
    }

    private static (long Register, long Update) TargetWrites(NamingSyncHarness h) =>
        (h.B.Nodes.Sum(n => n.Requests.Http("POST", "/nacos/v1/ns/instance")), h.B.Nodes.Sum(n => n.Requests.Http("PUT", "/nacos/v1/ns/instance")));

    private static (long Register, long Update) Since((long Register, long Update) before, (long Register, long Update) after) =>
        (after.Register - before.Register, after.Update - before.Update);

    [Test]
    public async Task Hand_made_drift_in_the_target_is_repaired_by_the_full_job()
    {
        await using var h = await StartAsync();
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1", weight: 3, metadata: ("k", "v")), None);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.2"), None);
        await h.RunAsync();
        var replica = (await AllAsync(h.TargetApi)).Single(i => i.Key.Ip == "10.0.0.1");

        // An operator edits a replica through the console (overlay) and deletes the other.
        await h.TargetApi.UpdateAsync(replica with { Weight = 0, Enabled = false, Metadata = new Dictionary<string, string> { ["hand"] = "made" } }, None);
        await h.Keeper.ForgetAsync("a-to-b", [Instance("orders", "10.0.0.2").Key.Address], None);
        await h.TargetApi.DeregisterAsync(Instance("orders", "10.0.0.2"), None);
        var result = await h.RunAsync();
        var target = await AllAsync(h.TargetApi);

        Assert.Multiple(() =>
        {
            Assert.That(result.Drift, Is.EqualTo(2), "one edited, one missing");
            var repaired = target.Single(i => i.Key.Ip == "10.0.0.1");
            Assert.That((repaired.Weight, repaired.Enabled), Is.EqualTo((3.0, true)), "weight and enabled as in the source");
            Assert.That(repaired.Metadata.ContainsKey("hand"), Is.False, "the hand-made key is gone");
            Assert.That(repaired.Metadata["k"], Is.EqualTo("v"));
            Assert.That(target.Any(i => i.Key.Ip == "10.0.0.2"), Is.True, "the deleted replica is back");
        });
    }

    [TestCase(FaultMode.ServerError)]
    [TestCase(FaultMode.Hang)]
    [TestCase(FaultMode.DropConnection)]
    public async Task A_failing_source_read_deletes_nothing(FaultMode fault)
    {
        await using var h = await StartAsync();
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1"), None);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.2"), None);
        await h.RunAsync();

        h.A.Nodes[0].Faults.Mode = fault;
        SyncRunResult result;
        try
        {
            result = await h.RunAsync();
        }
        finally
        {
            h.A.Nodes[0].Faults.Clear();
        }

        Assert.Multiple(async () =>
        {
            Assert.That(result.Removed, Is.Zero, "nothing removed after a failed read");
            Assert.That(result.Errors.Select(e => e.Stage), Does.Contain(SyncStage.ReadSource), "the failed read is reported");
            Assert.That(await AllAsync(h.TargetApi), Has.Count.EqualTo(2), "both replicas still there");
        });
    }

    [Test]
    public async Task A_source_namespace_that_reads_empty_does_not_empty_the_target()
    {
        await using var h = await StartAsync();
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1"), None);
        await h.RunAsync();
        await h.SourceApi.DeregisterAsync(Instance("orders", "10.0.0.1"), None);

        var result = await h.RunAsync();

        Assert.Multiple(async () =>
        {
            Assert.That(result.Removed, Is.Zero);
            Assert.That(result.GuardTripped, Does.Contain("reads empty"), "the guard says why");
            Assert.That(await AllAsync(h.TargetApi), Has.Count.EqualTo(1), "the replica stays");
        });
    }

    [Test]
    public async Task The_mass_removal_guard_stops_and_reports_and_allow_deletions_passes_it_once()
    {
        await using var h = await StartAsync(configure: t => t.Guards = new GuardOptions { MaxDeletionRatio = 0.2, DeletionAllowance = 2, RemovalGrace = TimeSpan.Zero });
        for (var i = 1; i <= 20; i++)
        {
            await h.SourceApi.RegisterAsync(Instance("orders", $"10.0.0.{i}"), None);
        }

        await h.RunAsync();
        for (var i = 1; i <= 10; i++)
        {
            await h.SourceApi.DeregisterAsync(Instance("orders", $"10.0.0.{i}"), None);
        }

        var guarded = await h.RunAsync();
        var countAfterGuard = (await AllAsync(h.TargetApi)).Count;
        var allowed = await h.RunAsync(request: new SyncRunRequest(AllowDeletions: true));

        Assert.Multiple(async () =>
        {
            Assert.That((guarded.Removed, guarded.Refused), Is.EqualTo((0L, 10L)), "all ten held back");
            Assert.That(guarded.GuardTripped, Does.Contain("10 removal(s) of 20").And.Contain("limit 4"), "names the numbers");
            Assert.That(countAfterGuard, Is.EqualTo(20), "nothing removed while guarded");
            Assert.That(allowed.Removed, Is.EqualTo(10), "the one-off permission lets the removals through");
            Assert.That(await AllAsync(h.TargetApi), Has.Count.EqualTo(10));
        });
    }

    [Test]
    public async Task Ephemeral_replicas_are_still_healthy_60_s_after_registration_and_unhealthy_sources_stay_unhealthy()
    {
        await using var h = await StartAsync();
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1"), None);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.2"), None);
        await h.RunAsync();

        // The source instances are not beaten by anyone: keep them by re-registering; make one unhealthy.
        for (var second = 0; second < 60; second += 5)
        {
            await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1"), None);
            await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.2", healthy: false), None);
            if (second == 10)
            {
                await h.RunAsync();
            }

            await h.AdvanceAsync(TimeSpan.FromSeconds(5));
        }

        var target = await AllAsync(h.TargetApi);
        Assert.Multiple(() =>
        {
            Assert.That(target.Single(i => i.Key.Ip == "10.0.0.1").Healthy, Is.True, "beaten replicas stay healthy for 60 s");
            Assert.That(target.Single(i => i.Key.Ip == "10.0.0.2").Healthy, Is.False, "the unhealthy source instance is mirrored unhealthy, yet present");
            Assert.That(h.Keeper.Count, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Two_way_tasks_do_not_loop_or_grow()
    {
        await using var h = await StartAsync(twoWay: true);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1"), None);
        await h.TargetApi.RegisterAsync(Instance("orders", "10.0.1.1"), None);

        for (var round = 0; round < 3; round++)
        {
            await h.RunAsync(task: "a-to-b");
            await h.RunAsync(task: "b-to-a");
        }

        var last = await h.RunAsync(task: "a-to-b");
        var back = await h.RunAsync(task: "b-to-a");
        var inA = await AllAsync(h.SourceApi);
        var inB = await AllAsync(h.TargetApi);
        Assert.Multiple(() =>
        {
            Assert.That(inA.Select(i => i.Key.Ip).Order(), Is.EqualTo(new[] { "10.0.0.1", "10.0.1.1" }), "A: its own plus B's");
            Assert.That(inB.Select(i => i.Key.Ip).Order(), Is.EqualTo(new[] { "10.0.0.1", "10.0.1.1" }), "B: its own plus A's");
            Assert.That(last.Added + last.Updated + last.Removed + back.Added + back.Updated + back.Removed, Is.Zero, "a steady state: no ping-pong");
            Assert.That(inA.Single(i => i.Key.Ip == "10.0.0.1").Metadata.ContainsKey(ReplicaOwner.TaskKey), Is.False, "A's native instance was not overwritten by a copy of its copy");
        });
    }

    [Test]
    public async Task Persistent_mode_writes_persistent_replicas_and_a_mixed_service_is_a_per_service_error()
    {
        await using var h = await StartAsync(configure: t => t.Naming.ReplicaMode = ReplicaMode.Persistent);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1"), None);
        await h.SourceApi.RegisterAsync(Instance("mixed", "10.0.0.2"), None);
        await h.TargetApi.RegisterAsync(Instance("mixed", "10.9.9.9", ephemeral: true), None);

        var result = await h.RunAsync();
        var list = await h.TargetApi.ListInstancesAsync(new ServiceKey("public", "DEFAULT_GROUP", "orders"), None);
        await h.AdvanceAsync(TimeSpan.FromSeconds(45));
        var afterExpiry = await AllAsync(h.TargetApi);

        Assert.Multiple(() =>
        {
            Assert.That(list.Service.Instances.Single().Ephemeral, Is.False, "a persistent replica");
            Assert.That(h.Keeper.Count, Is.Zero, "persistent replicas need no heartbeat");
            Assert.That(afterExpiry.Any(i => i.Key.Ip == "10.0.0.1"), Is.True, "still there after the ephemeral expiry time");
            var error = result.Errors.Single(e => e.Stage == SyncStage.Write);
            Assert.That(error.Message, Does.Contain("does not mix").And.Contain("mixed"), "a clear per-service error");
            Assert.That(result.Added, Is.EqualTo(1), "the other service is copied anyway");
        });
    }

    [Test]
    public async Task A_restarted_daemon_beats_its_replicas_from_the_store_before_any_run_and_resumes_incrementally_without_re_applying()
    {
        await using var h = await StartAsync(mySqlState: true);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1", ephemeral: false), None);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.2", ephemeral: false), None);
        await h.RunAsync();

        await h.RestartAsync();
        for (var i = 0; i < 8; i++)
        {
            await h.AdvanceAsync(TimeSpan.FromSeconds(5)); // no run at all: only the restored keeper beats
        }

        var aliveWithoutRun = await AllAsync(h.TargetApi);
        await h.SourceApi.DeregisterAsync(Instance("orders", "10.0.0.2", ephemeral: false), None);
        var first = await h.RunAsync(SyncMode.Incremental);
        var target = await AllAsync(h.TargetApi);
        Assert.Multiple(() =>
        {
            Assert.That(aliveWithoutRun.Select(i => (i.Key.Ip, i.Healthy)), Is.EquivalentTo(new[] { ("10.0.0.1", true), ("10.0.0.2", true) }),
                "40 s after the restart, with no run since, both replicas are alive: the keeper loaded them from the store");
            Assert.That(first.Mode, Is.EqualTo(SyncMode.Incremental), "the feed resumes from the applied baselines in the store: no start-up full run");
            Assert.That((first.Added, first.Updated), Is.EqualTo((0L, 0L)), "unchanged services are not written again");
            Assert.That(first.Removed, Is.EqualTo(1), "the restarted daemon remembers the first full sync and may remove");
            Assert.That(target.Select(i => i.Key.Ip), Is.EqualTo(new[] { "10.0.0.1" }));
        });
    }

    [Test]
    public async Task Replicas_removed_by_a_one_off_resync_are_not_brought_back_by_the_daemons_beats()
    {
        await using var h = await StartAsync(configure: t => t.Guards = new GuardOptions { MaxDeletionRatio = 0.2, DeletionAllowance = 2, RemovalGrace = TimeSpan.Zero }, mySqlState: true);
        for (var i = 1; i <= 20; i++)
        {
            await h.SourceApi.RegisterAsync(Instance("orders", $"10.0.0.{i}", ephemeral: false), None);
        }

        await h.RunAsync();
        for (var i = 1; i <= 10; i++)
        {
            await h.SourceApi.DeregisterAsync(Instance("orders", $"10.0.0.{i}", ephemeral: false), None);
        }

        var guarded = await h.RunAsync(); // the daemon holds the removals back and keeps beating those replicas
        var (cliKeeper, cliFeed, cli) = h.OtherProcess();
        using (cliKeeper)
        using (cliFeed)
        {
            var resync = await cli.RunAsync("a-to-b", SyncMode.Full, new SyncRunRequest(AllowDeletions: true), None);
            Assert.That(resync.Removed, Is.EqualTo(10), "the operator's resync removes what the daemon's guard held back");
        }

        for (var i = 0; i < 8; i++)
        {
            await h.AdvanceAsync(TimeSpan.FromSeconds(5));
        }

        var target = await AllAsync(h.TargetApi);
        Assert.Multiple(() =>
        {
            Assert.That(guarded.Refused, Is.EqualTo(10), "the daemon's own run refused them");
            Assert.That(target, Has.Count.EqualTo(10), "40 s of the daemon's beats later the removed replicas are still gone: deletion is final");
            Assert.That(h.Keeper.Count, Is.EqualTo(10), "the daemon stopped keeping what another process removed");
        });
    }

    [Test]
    public async Task Writes_that_fail_in_a_full_run_stay_pending_are_retried_by_incremental_runs_and_count_in_the_lag()
    {
        await using var h = await StartAsync(configure: t => t.Naming.ReplicaMode = ReplicaMode.Persistent);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1"), None);
        await h.SourceApi.RegisterAsync(Instance("mixed", "10.0.0.2"), None);
        await h.TargetApi.RegisterAsync(Instance("mixed", "10.9.9.9", ephemeral: true), None);

        var full = await h.RunAsync();
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1"), None);
        await h.SourceApi.RegisterAsync(Instance("mixed", "10.0.0.2"), None);
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        var retry = await h.RunAsync(SyncMode.Incremental);

        Assert.Multiple(() =>
        {
            Assert.That(full.Failed, Is.EqualTo(1), "the mixed service refuses its replica");
            Assert.That(full.OldestPendingChange, Is.Not.Null, "a failed write is a pending change: the lag counts it");
            Assert.That(retry.Failed, Is.EqualTo(1), "the incremental run tries the failed write again instead of taking it as applied");
            Assert.That(retry.OldestPendingChange, Is.EqualTo(full.OldestPendingChange), "still pending, since the full run found it");
        });
    }

    [Test]
    public async Task Removals_wait_out_the_grace_count_in_the_lag_meanwhile_and_a_source_restart_within_the_grace_removes_nothing()
    {
        await using var h = await StartAsync(configure: t => t.Guards = new GuardOptions { RemovalGrace = TimeSpan.FromSeconds(15) }, mySqlState: true);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1", ephemeral: false), None);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.2", ephemeral: false), None);
        await h.RunAsync();
        await h.RunAsync(SyncMode.Incremental);

        // A source restart: the instance vanishes and its client registers it again within the grace.
        await h.SourceApi.DeregisterAsync(Instance("orders", "10.0.0.2", ephemeral: false), None);
        var missingAt = h.Clock.GetUtcNow();
        var during = await h.RunAsync();
        await h.AdvanceAsync(TimeSpan.FromSeconds(5));
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.2", ephemeral: false), None);
        var back = await h.RunAsync();

        // A real removal: missing for longer than the grace.
        await h.SourceApi.DeregisterAsync(Instance("orders", "10.0.0.1", ephemeral: false), None);
        await h.AdvanceAsync(TimeSpan.FromSeconds(8)); // due for renewal even if the push has not arrived yet
        var waiting = await h.RunAsync(SyncMode.Incremental);
        await h.AdvanceAsync(TimeSpan.FromSeconds(15));
        var ripe = await h.RunAsync(SyncMode.Incremental);

        var target = await AllAsync(h.TargetApi);
        Assert.Multiple(() =>
        {
            Assert.That((during.Removed, during.Refused, during.GuardTripped), Is.EqualTo((0L, 0L, (string?)null)), "within the grace nothing is removed, and that is no guard trip");
            Assert.That(during.OldestPendingChange, Is.EqualTo(missingAt), "a removal waiting in grace is a pending change from when it went missing: the lag counts it");
            Assert.That((back.Added, back.Removed), Is.EqualTo((0L, 0L)), "the instance came back within the grace: nothing removed and re-added");
            Assert.That(waiting.Removed, Is.Zero, "the incremental run waits too");
            Assert.That(waiting.OldestPendingChange, Is.Not.Null, "and reports the wait as lag");
            Assert.That(ripe.Removed, Is.EqualTo(1), "after the grace the incremental run removes it (the service stayed pending)");
            Assert.That(ripe.OldestPendingChange, Is.Null, "then nothing is pending");
            Assert.That(target.Select(i => i.Key.Ip), Is.EqualTo(new[] { "10.0.0.2" }));
        });
    }

    [Test]
    public async Task The_per_window_cap_stops_a_flapping_source_from_draining_the_target_a_few_runs_at_a_time()
    {
        await using var h = await StartAsync(configure: t => t.Guards = new GuardOptions
        {
            MaxDeletionRatio = 0.25, MaxDeletionRatioPerWindow = 0.3, DeletionAllowance = 1, DeletionWindow = TimeSpan.FromMinutes(10), RemovalGrace = TimeSpan.Zero,
        });
        for (var i = 1; i <= 20; i++)
        {
            await h.SourceApi.RegisterAsync(Instance("orders", $"10.0.0.{i}", ephemeral: false), None);
        }

        await h.RunAsync();
        var removed = new List<long>();
        for (var round = 0; round < 3; round++)
        {
            for (var i = 1 + (round * 3); i <= 3 + (round * 3); i++)
            {
                await h.SourceApi.DeregisterAsync(Instance("orders", $"10.0.0.{i}", ephemeral: false), None);
            }

            removed.Add((await h.RunAsync()).Removed);
            await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        }

        Assert.That(removed, Is.EqualTo(new long[] { 3, 3, 0 }), "3 per run pass the 25 % per-run cap each time, but the third would take the window past 30 % of the 20 owned when it began");
    }

    [Test]
    public async Task The_incremental_job_applies_pushed_changes_and_reads_nothing_of_the_target_at_rest()
    {
        await using var h = await StartAsync();
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1"), None);
        await h.SourceApi.RegisterAsync(Instance("pay", "10.0.1.1"), None);
        await h.RunAsync();
        var subscribe = await h.RunAsync(SyncMode.Incremental);

        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.9", weight: 4), None);
        await WaitForAsync(() => h.Feed.PushesReceived > 0);
        var applied = await h.RunAsync(SyncMode.Incremental);
        var atRest = await h.RunAsync(SyncMode.Incremental);

        // Disabling a source instance hides it from the list call: it must be mirrored, not removed.
        var pushes = h.Feed.PushesReceived;
        await h.SourceApi.UpdateAsync(Instance("pay", "10.0.1.1", enabled: false), None);
        await WaitForAsync(() => h.Feed.PushesReceived > pushes);
        var disabled = await h.RunAsync(SyncMode.Incremental);
        var payReplica = (await AllAsync(h.TargetApi)).SingleOrDefault(i => i.Key.Ip == "10.0.1.1");

        Assert.Multiple(async () =>
        {
            Assert.That(subscribe.Added + subscribe.Updated, Is.Zero, "subscribing finds nothing new");
            Assert.That(applied.Added, Is.EqualTo(1), "the pushed change is applied");
            Assert.That(applied.ChangeLatencies, Has.Count.EqualTo(1), "its lag is measured");
            Assert.That(atRest.Read, Is.Zero, "nothing pushed, nothing due: nothing read");
            Assert.That((disabled.Updated, disabled.Removed), Is.EqualTo((1L, 0L)), "a disabled source instance is an update, not a removal");
            Assert.That(payReplica?.Enabled, Is.False, "the replica is disabled like its source");
            Assert.That((await AllAsync(h.TargetApi)).Single(i => i.Key.Ip == "10.0.0.9").Weight, Is.EqualTo(4));
        });
    }

    [Test]
    public async Task A_stopped_source_node_fails_over_to_the_next_and_secured_clusters_are_logged_into()
    {
        await using var h = await StartAsync(sourceNodes: 2, auth: true);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1"), None);
        await h.A.Nodes[0].StopAsync();

        var result = await h.RunAsync();

        Assert.Multiple(async () =>
        {
            Assert.That(result.Errors, Is.Empty, "the second node answers and both clusters accept the token");
            Assert.That(result.Added, Is.EqualTo(1));
            Assert.That(h.Clients.Transport("a").PreferredServer, Is.EqualTo(h.A.Nodes[1].BaseAddress), "the healthy node is remembered");
            Assert.That(await AllAsync(h.TargetApi), Has.Count.EqualTo(1));
        });
    }

    [Test]
    public async Task Namespace_and_group_mapping_and_filters_apply_to_what_reaches_the_target()
    {
        await using var h = await StartAsync(configure: t =>
        {
            t.Namespaces["dev"] = "prod";
            t.Groups["G1"] = "G2";
            t.Naming.ServiceFilter.Exclude.Add("internal-*");
        });
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.1", ns: "dev", group: "G1"), None);
        await h.SourceApi.RegisterAsync(Instance("internal-cache", "10.0.0.2", ns: "dev", group: "G1"), None);
        await h.SourceApi.RegisterAsync(Instance("orders", "10.0.0.3"), None);

        var result = await h.RunAsync();
        var prod = await AllAsync(h.TargetApi, "prod");
        var publicNs = await AllAsync(h.TargetApi);

        Assert.Multiple(() =>
        {
            Assert.That(result.Added, Is.EqualTo(1), "only the included service of the configured namespace");
            Assert.That(prod.Single().Key.Service, Is.EqualTo(new ServiceKey("prod", "G2", "orders")), "namespace and group mapped");
            Assert.That(publicNs, Is.Empty, "namespaces the task does not name are not copied");
        });
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(20);
        }

        Assert.That(condition(), Is.True, "condition not reached within 2 s");
    }
}
