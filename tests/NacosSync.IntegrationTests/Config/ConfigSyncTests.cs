using Dapper;
using NacosSync.Core.Config;
using NacosSync.Core.Options;
using NacosSync.Core.Sync;
using NacosSync.Sandbox;
using NacosSync.Storage.Config;

namespace NacosSync.IntegrationTests.Config;

[TestFixture(NacosVersionProfile.V2_4)]
[TestFixture(NacosVersionProfile.V2_2_0)]
[TestFixture(NacosVersionProfile.V1_4)]
[TestFixture(NacosVersionProfile.V3_0)]
internal sealed class ConfigSyncTests(NacosVersionProfile profile)
{
    private ConfigSyncHarness _h = null!;

    [SetUp]
    public async Task StartAsync() => _h = await ConfigSyncHarness.StartAsync(profile);

    [TearDown]
    public async Task StopAsync() => await _h.DisposeAsync();

    private static string Describe(SyncRunResult r) =>
        $"added {r.Added}, updated {r.Updated}, removed {r.Removed}, refused {r.Refused}, failed {r.Failed}, errors: {string.Join(" | ", r.Errors.Select(e => $"{e.Stage}: {e.Message}"))}";

    [Test]
    public async Task The_initial_copy_then_source_inserts_updates_and_deletes_reach_every_target_node_and_survive_a_restart()
    {
        await _h.WriteSourceAsync("a.yaml", "a: 1 中文 ✓");
        await _h.WriteSourceAsync("b.properties", "b=1");
        await _h.WriteSourceAsync("empty", "");
        await _h.WriteSourceAsync("x", "in dev", tenant: "dev");
        await using (var c = await _h.SourceDatabase.OpenAsync(CancellationToken.None))
        {
            await c.ExecuteAsync("INSERT INTO tenant_info (kp, tenant_id, tenant_name, tenant_desc, create_source, gmt_create, gmt_modified) VALUES ('1', 'dev', 'Dev', 'd', 'nacos', 0, 0)");
        }

        var full = await _h.RunAsync(SyncMode.Full);
        Assert.That(full.Succeeded, Is.True, Describe(full));
        Assert.That(full.Added, Is.EqualTo(4), "every source config copied: " + Describe(full));
        Assert.That(await _h.ServedByEveryNodeAsync(_h.TargetKey("a.yaml")), Is.All.EqualTo(ConfigMd5.Of("a: 1 中文 ✓")), "every target node serves the copy");
        Assert.That(await _h.ServedByEveryNodeAsync(_h.TargetKey("x", "dev")), Is.All.EqualTo(ConfigMd5.Of("in dev")), "custom namespace copied");
        await using (var c = await _h.TargetDatabase.OpenAsync(CancellationToken.None))
        {
            Assert.That(await c.ExecuteScalarAsync<string>("SELECT tenant_name FROM tenant_info WHERE tenant_id = 'dev'"), Is.EqualTo("Dev"), "the namespace exists in the target");
        }

        await _h.WriteSourceAsync("a.yaml", "a: 2");
        await _h.WriteSourceAsync("c.json", "{\"c\":3}");
        await _h.DeleteSourceAsync("b.properties");
        var incremental = await _h.RunAsync(SyncMode.Incremental);
        Assert.Multiple(async () =>
        {
            Assert.That(incremental.Succeeded, Is.True, Describe(incremental));
            Assert.That((incremental.Added, incremental.Updated, incremental.Removed), Is.EqualTo((1L, 1L, 1L)), "one of each: " + Describe(incremental));
            Assert.That(await _h.ServedByEveryNodeAsync(_h.TargetKey("a.yaml")), Is.All.EqualTo(ConfigMd5.Of("a: 2")), "the update is served by every node");
            Assert.That(await _h.ServedByEveryNodeAsync(_h.TargetKey("c.json")), Is.All.EqualTo(ConfigMd5.Of("{\"c\":3}")), "the insert is served by every node");
            Assert.That(await _h.ServedByEveryNodeAsync(_h.TargetKey("b.properties")), Is.All.Null, "the delete is gone from every node");
            Assert.That(incremental.ChangeLatencies, Has.Count.EqualTo(2), "a latency per proven upsert");
        });

        var again = await _h.RunAsync(SyncMode.Incremental, _h.Runner());
        Assert.That((again.Added, again.Updated, again.Removed, again.Errors.Count), Is.EqualTo((0L, 0L, 0L, 0)), "after a restart nothing is applied twice: " + Describe(again));

        await _h.WriteSourceAsync("d", "after restart");
        var afterRestart = await _h.RunAsync(SyncMode.Incremental, _h.Runner());
        Assert.That((afterRestart.Added, afterRestart.Updated, afterRestart.Removed), Is.EqualTo((1L, 0L, 0L)), "only the new change: " + Describe(afterRestart));
        Assert.That(await _h.ServedByEveryNodeAsync(_h.TargetKey("d")), Is.All.EqualTo(ConfigMd5.Of("after restart")), "nothing lost across the restart");
    }

    [Test]
    public async Task An_incremental_run_compares_only_the_history_it_has_not_seen_and_a_restarted_runner_reads_the_window_whole()
    {
        var runner = _h.Runner();
        await _h.WriteSourceAsync("a", "1");
        Assert.That((await _h.RunAsync(SyncMode.Full, runner)).Succeeded, Is.True);
        await _h.WriteSourceAsync("b", "1");
        var first = await _h.RunAsync(SyncMode.Incremental, runner);
        await _h.WriteSourceAsync("c", "1");
        var second = await _h.RunAsync(SyncMode.Incremental, runner);
        var restarted = await _h.RunAsync(SyncMode.Incremental, _h.Runner());

        Assert.Multiple(() =>
        {
            Assert.That(first.Added, Is.EqualTo(1), Describe(first));
            Assert.That((second.Read, second.Added), Is.EqualTo((1L, 1L)), "b is still inside the overlap window, but this runner has read it: only c is compared. " + Describe(second));
            Assert.That(restarted.Read, Is.GreaterThanOrEqualTo(2), "a new runner knows nothing it read: the whole window is compared again. " + Describe(restarted));
            Assert.That(restarted.Added + restarted.Updated + restarted.Removed, Is.Zero, "and nothing is applied twice");
        });
    }

    [Test]
    public async Task A_few_changes_are_published_through_the_target_api_so_no_node_re_reads_every_config()
    {
        await _h.WriteSourceAsync("a", "a1");
        await _h.WriteSourceAsync("b", "b1");
        Assert.That((await _h.RunAsync(SyncMode.Full)).Added, Is.EqualTo(2), "initial copy");
        var refreshes = _h.Traffic.LocalCacheCalls;
        var publishes = _h.Traffic.Publishes;
        await _h.WriteSourceAsync("a", "a2");
        await _h.WriteSourceAsync("c", "c1");

        var run = await _h.RunAsync(SyncMode.Incremental);
        await using var c = await _h.TargetDatabase.OpenAsync(CancellationToken.None);
        Assert.Multiple(async () =>
        {
            Assert.That((run.Added, run.Updated, run.Errors.Count), Is.EqualTo((1L, 1L, 0)), Describe(run));
            // ≤2.2.0 refreshes a key with dataChange, which costs no more than a publish: the row is written as before.
            Assert.That(_h.Traffic.Publishes - publishes, Is.EqualTo(_h.Target.Traits.DataChangeEndpoint ? 0 : 2),
                _h.Target.Traits.DataChangeEndpoint ? "written to the database, refreshed key by key" : "both changes were published through the target's config API");
            Assert.That(_h.Traffic.LocalCacheCalls, Is.EqualTo(refreshes), "no node was asked to re-read every config (2.2.1+'s only refresh)");
            Assert.That(await _h.ServedByEveryNodeAsync(_h.TargetKey("a")), Is.All.EqualTo(ConfigMd5.Of("a2")), "every node serves the update");
            Assert.That(await _h.ServedByEveryNodeAsync(_h.TargetKey("c")), Is.All.EqualTo(ConfigMd5.Of("c1")), "and the addition");
            Assert.That(await c.ExecuteScalarAsync<string>("SELECT content FROM config_info WHERE data_id = 'a'"), Is.EqualTo("a2"), "the server wrote the row");
        });
    }

    [Test]
    public async Task More_changes_than_PublishUpTo_are_written_to_the_database_and_every_node_refreshed()
    {
        Assume.That(_h.Target.Traits.DataChangeEndpoint, Is.False, "≤2.2.0 targets refresh key by key (dataChange): nothing is published there");
        await _h.WriteSourceAsync("a", "a1");
        Assert.That((await _h.RunAsync(SyncMode.Full)).Added, Is.EqualTo(1), "initial copy");
        _h.Task.Config.PublishUpTo = 2;
        var refreshes = _h.Traffic.LocalCacheCalls;
        var publishes = _h.Traffic.Publishes;
        await _h.WriteSourceAsync("a", "a2");
        await _h.WriteSourceAsync("b", "b1");
        await _h.WriteSourceAsync("c", "c1");

        var run = await _h.RunAsync(SyncMode.Incremental);
        Assert.Multiple(async () =>
        {
            Assert.That((run.Added, run.Updated, run.Errors.Count), Is.EqualTo((2L, 1L, 0)), Describe(run));
            Assert.That(_h.Traffic.Publishes, Is.EqualTo(publishes), "three changes, more than PublishUpTo: none published");
            Assert.That(_h.Traffic.LocalCacheCalls - refreshes, Is.GreaterThanOrEqualTo(_h.Target.Nodes.Count), "each node re-read the table");
            foreach (var (dataId, content) in new[] { ("a", "a2"), ("b", "b1"), ("c", "c1") })
            {
                Assert.That(await _h.ServedByEveryNodeAsync(_h.TargetKey(dataId)), Is.All.EqualTo(ConfigMd5.Of(content)), $"every node serves {dataId}");
            }
        });
    }

    [Test]
    public async Task A_publish_the_target_api_refuses_falls_back_to_the_database_write_and_a_refresh()
    {
        Assume.That(_h.Target.Traits.DataChangeEndpoint, Is.False, "≤2.2.0 targets refresh key by key (dataChange): nothing is published there");
        await _h.WriteSourceAsync("a", "a1");
        Assert.That((await _h.RunAsync(SyncMode.Full)).Added, Is.EqualTo(1), "initial copy");
        var refreshes = _h.Traffic.LocalCacheCalls;
        _h.Traffic.ForbidPublishes = true;
        await _h.WriteSourceAsync("a", "a2");

        var run = await _h.RunAsync(SyncMode.Incremental);
        Assert.Multiple(async () =>
        {
            Assert.That((run.Updated, run.Errors.Count), Is.EqualTo((1L, 0)), "a login without write permission costs a refresh, not the change: " + Describe(run));
            Assert.That(_h.Traffic.LocalCacheCalls, Is.GreaterThan(refreshes), "the row went behind the nodes' backs, so they were refreshed");
            Assert.That(await _h.ServedByEveryNodeAsync(_h.TargetKey("a")), Is.All.EqualTo(ConfigMd5.Of("a2")), "every node serves the update");
        });
    }

    [Test]
    public async Task Without_the_refresh_step_the_nodes_keep_serving_the_stale_value_and_the_key_is_reported_then_retried()
    {
        await _h.WriteSourceAsync("k", "v1");
        Assert.That((await _h.RunAsync(SyncMode.Full)).Succeeded, Is.True, "initial copy");
        _h.Task.Config.PublishUpTo = 0; // rows written behind the nodes' backs (what the skipped refresh is for), not published
        await _h.WriteSourceAsync("k", "v2");
        _h.Task.Config.VerifyDeadline = TimeSpan.FromMilliseconds(600);

        var stale = await _h.RunAsync(SyncMode.Incremental, _h.Runner(skipRefresh: true));
        Assert.Multiple(async () =>
        {
            Assert.That(stale.Updated, Is.EqualTo(1), "the row was written: " + Describe(stale));
            Assert.That(await _h.ServedByEveryNodeAsync(_h.TargetKey("k")), Is.All.EqualTo(ConfigMd5.Of("v1")), "without a refresh every node still serves the old value");
            Assert.That(stale.Errors.Where(e => e.Stage == SyncStage.Verify).Select(e => e.Key), Has.Member(_h.TargetKey("k").ToString()), "the key is reported, not dropped");
            Assert.That(stale.OldestPendingChange, Is.Not.Null, "lag is visible");
        });

        _h.Task.Config.VerifyDeadline = TimeSpan.FromSeconds(5);
        // A full run finds the rows equal, yet still refreshes and proves the key the last run could not.
        var retried = await _h.RunAsync(SyncMode.Full);
        Assert.That(retried.Succeeded, Is.True, "the pending key is refreshed and proven at the next run: " + Describe(retried));
        Assert.That(retried.Updated, Is.Zero, "nothing to rewrite: only the proof was missing");
        Assert.That(await _h.ServedByEveryNodeAsync(_h.TargetKey("k")), Is.All.EqualTo(ConfigMd5.Of("v2")), "now every node serves the new value");
    }

    [Test]
    public async Task Drift_made_by_hand_in_the_target_is_repaired_by_the_full_job_and_native_configs_are_left_alone()
    {
        await _h.WriteSourceAsync("p", "source p");
        await _h.WriteSourceAsync("q", "source q");
        Assert.That((await _h.RunAsync(SyncMode.Full)).Succeeded, Is.True, "initial copy");
        await using (var c = await _h.TargetDatabase.OpenAsync(CancellationToken.None))
        {
            // Hand edits that bypass Nacos: content changed without md5, a row removed without history.
            await c.ExecuteAsync("UPDATE config_info SET content = 'hand edit' WHERE data_id = 'p'");
            await c.ExecuteAsync("DELETE FROM config_info WHERE data_id = 'q'");
        }

        var native = new ConfigRow(_h.TargetKey("native"), "target only", new ConfigAttributes("text", "", "", "", ""));
        await _h.TargetWriter.UpsertAsync(native, CancellationToken.None);

        var full = await _h.RunAsync(SyncMode.Full);
        Assert.Multiple(async () =>
        {
            Assert.That(full.Succeeded, Is.True, Describe(full));
            Assert.That((full.Added, full.Updated, full.Removed), Is.EqualTo((1L, 1L, 0L)), "q restored, p repaired, native kept: " + Describe(full));
            Assert.That(await _h.ServedByEveryNodeAsync(_h.TargetKey("p")), Is.All.EqualTo(ConfigMd5.Of("source p")), "repair served by every node");
            Assert.That(await _h.ServedByEveryNodeAsync(_h.TargetKey("q")), Is.All.EqualTo(ConfigMd5.Of("source q")), "restore served by every node");
        });

        _h.Task.Config.MirrorDeletes = true;
        var mirror = await _h.RunAsync(SyncMode.Full);
        Assert.That(mirror.Removed, Is.EqualTo(1), "with MirrorDeletes the native config goes too: " + Describe(mirror));
        Assert.That(await _h.ServedByEveryNodeAsync(_h.TargetKey("native")), Is.All.Null, "and is gone from every node");
    }

    [Test]
    public async Task A_node_serving_a_stale_value_while_both_databases_agree_is_reported_and_then_refreshed_by_a_full_run()
    {
        await _h.WriteSourceAsync("k", "v1");
        Assert.That((await _h.RunAsync(SyncMode.Full)).Succeeded, Is.True, "initial copy");
        foreach (var database in new[] { _h.SourceDatabase, _h.TargetDatabase })
        {
            // Both databases move to v2 behind Nacos's back: no target node re-reads them by itself (no dump worker here).
            await using var c = await database.OpenAsync(CancellationToken.None);
            await c.ExecuteAsync("UPDATE config_info SET content = 'v2', md5 = MD5('v2'), gmt_modified = NOW() WHERE data_id = 'k'");
        }

        _h.Task.Config.VerifyDeadline = TimeSpan.FromMilliseconds(600);
        var unrefreshed = await _h.RunAsync(SyncMode.Full, _h.Runner(skipRefresh: true));
        _h.Task.Config.VerifyDeadline = TimeSpan.FromSeconds(5);
        var repaired = await _h.RunAsync(SyncMode.Full);
        Assert.Multiple(async () =>
        {
            Assert.That(unrefreshed.Errors.Where(e => e.Stage == SyncStage.Verify).Select(e => e.Key), Has.Member(_h.TargetKey("k").ToString()),
                "a full run proves every node: the stale one fails the run by key when it cannot be refreshed: " + Describe(unrefreshed));
            Assert.That(repaired.Succeeded, Is.True, "the next full run refreshes and proves it: " + Describe(repaired));
            Assert.That(repaired.Updated, Is.Zero, "nothing to rewrite: the rows agree");
            Assert.That(await _h.ServedByEveryNodeAsync(_h.TargetKey("k")), Is.All.EqualTo(ConfigMd5.Of("v2")), "every node serves the databases' value");
        });
    }
}

[TestFixture]
internal sealed class ConfigSyncEdgeTests
{
    [Test]
    public async Task A_target_node_that_hangs_is_named_within_the_verify_deadline_and_the_other_node_still_gets_the_change()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4);
        await h.WriteSourceAsync("k", "v1");
        Assert.That((await h.RunAsync(SyncMode.Full)).Succeeded, Is.True, "initial copy");
        await h.WriteSourceAsync("k", "v2");
        h.Task.Config.VerifyDeadline = TimeSpan.FromSeconds(3);
        var slow = h.Target.Nodes[1];
        slow.Faults.Mode = FaultMode.Hang;
        SyncRunResult run;
        try
        {
            run = await h.RunAsync(SyncMode.Incremental);
        }
        finally
        {
            slow.Faults.Mode = FaultMode.None;
        }

        var verify = run.Errors.Where(e => e.Stage == SyncStage.Verify).ToList();
        Assert.Multiple(async () =>
        {
            Assert.That(run.Updated, Is.EqualTo(1), "the row was written");
            Assert.That(verify.Select(e => e.Key), Is.EqualTo(new[] { h.TargetKey("k").ToString() }), "the key stays pending, reported by key");
            Assert.That(verify.Single().Message, Does.Contain(slow.BaseAddress.Authority).And.Contain("did not answer"), "naming the slow node");
            Assert.That(run.Duration, Is.LessThan(TimeSpan.FromSeconds(20)), "one hung node costs about the verify deadline, not minutes (bound, not a figure)");
            Assert.That((await h.TargetApi.GetFromNodeAsync(h.Target.Nodes[0].BaseAddress, h.TargetKey("k"), CancellationToken.None))?.Md5,
                Is.EqualTo(ConfigMd5.Of("v2")), "the healthy node was refreshed meanwhile");
        });
    }

    [Test]
    public async Task Configs_of_a_literal_public_tenant_on_2_x_are_proven_without_verify_errors_and_leave_no_lag()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4);
        await h.WriteSourceAsync("lit", "one", tenant: "public");
        await h.WriteSourceAsync("blank", "in the blank tenant");
        var full = await h.RunAsync(SyncMode.Full);
        await h.WriteSourceAsync("lit", "two", tenant: "public");
        var incremental = await h.RunAsync(SyncMode.Incremental);

        var key = h.TargetKey("lit", tenant: "public");
        var staleNodes = new List<string>();
        foreach (var node in h.Target.Nodes)
        {
            if ((await h.TargetApi.StaleOnNodeAsync(node.BaseAddress, [(key, ConfigMd5.Of("two"))], CancellationToken.None)).Count > 0)
            {
                staleNodes.Add(node.BaseAddress.Authority);
            }
        }

        Assert.Multiple(() =>
        {
            // Reference §3: a v1 GET with tenant=public reads the "" tenant on 2.x, so the proof must not rely on it.
            Assert.That(full.Succeeded, Is.True, "the literal public tenant's config is copied and proven: " + string.Join(" | ", full.Errors.Select(e => e.Message)));
            Assert.That(full.Added, Is.EqualTo(2), "both configs copied");
            Assert.That(incremental.Succeeded, Is.True, "its update is proven too: " + string.Join(" | ", incremental.Errors.Select(e => e.Message)));
            Assert.That(incremental.OldestPendingChange, Is.Null, "nothing left pending, so the lag gauge falls");
            Assert.That(incremental.ChangeLatencies, Has.Count.EqualTo(1), "the update's latency is measured once proven");
            Assert.That(staleNodes, Is.Empty, "every target node serves the new md5 in the literal public tenant");
        });
    }

    [Test]
    public async Task Api_mode_copies_updates_and_deletes_through_the_target_config_api()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4, ConfigSyncMode.Api);
        await h.WriteSourceAsync("a", "one");
        await h.WriteSourceAsync("b", "two");
        var full = await h.RunAsync(SyncMode.Full);
        Assert.That((full.Added, full.Errors.Count), Is.EqualTo((2L, 0)), string.Join(" | ", full.Errors.Select(e => e.Message)));

        await h.WriteSourceAsync("a", "uno");
        await h.DeleteSourceAsync("b");
        var incremental = await h.RunAsync(SyncMode.Incremental);
        Assert.Multiple(async () =>
        {
            Assert.That((incremental.Updated, incremental.Removed, incremental.Errors.Count), Is.EqualTo((1L, 1L, 0)), string.Join(" | ", incremental.Errors.Select(e => e.Message)));
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("a")), Is.All.EqualTo(ConfigMd5.Of("uno")), "published through the API, served everywhere");
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("b")), Is.All.Null, "deleted through the API");
        });
    }

    [Test]
    public async Task A_delete_written_to_the_database_reaches_every_2_2_0_node_through_data_change()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_2_0);
        await h.WriteSourceAsync("gone", "soon");
        Assert.That((await h.RunAsync(SyncMode.Full)).Added, Is.EqualTo(1), "initial copy");
        await h.DeleteSourceAsync("gone");

        var run = await h.RunAsync(SyncMode.Incremental, h.Runner(deleteThroughApi: false));
        Assert.Multiple(async () =>
        {
            Assert.That((run.Removed, run.Errors.Count), Is.EqualTo((1L, 0)), string.Join(" | ", run.Errors.Select(e => e.Message)));
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("gone")), Is.All.Null, "dataChange on a missing row drops the key on every node");
        });
    }

    [Test]
    public async Task A_delete_written_to_the_database_of_2_4_is_not_dropped_by_local_cache_and_is_reported()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4);
        await h.WriteSourceAsync("gone", "soon");
        Assert.That((await h.RunAsync(SyncMode.Full)).Added, Is.EqualTo(1), "initial copy");
        await h.DeleteSourceAsync("gone");
        h.Task.Config.VerifyDeadline = TimeSpan.FromMilliseconds(600);

        var run = await h.RunAsync(SyncMode.Incremental, h.Runner(deleteThroughApi: false));
        Assert.Multiple(async () =>
        {
            Assert.That(run.Removed, Is.EqualTo(1), "the row and its D history row were written");
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("gone")), Is.All.Not.Null, "localCache never removes a deleted key (why deletes go through the API)");
            Assert.That(run.Errors.Where(e => e.Stage == SyncStage.Verify).Select(e => e.Key), Has.Member(h.TargetKey("gone").ToString()), "the stuck delete is reported by key");
        });
    }

    [Test]
    public async Task Odd_keys_large_and_empty_contents_round_trip_and_a_row_the_target_cannot_store_is_reported_by_key()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4);
        await using (var c = await h.TargetDatabase.OpenAsync(CancellationToken.None))
        {
            // Nacos ships utf8 (3-byte) tables: a 4-byte character cannot be stored there.
            await c.ExecuteAsync("ALTER TABLE config_info MODIFY content longtext CHARACTER SET utf8mb3 COLLATE utf8mb3_bin NOT NULL");
        }

        var large = string.Concat(Enumerable.Repeat("línea ∑ 中文 ", 300_000));
        await h.WriteSourceAsync("a-b_c:d.e", "odd key");
        await h.WriteSourceAsync("large", large);
        await h.WriteSourceAsync("empty", "");
        await h.WriteSourceAsync("emoji", "smile 😀");
        var full = await h.RunAsync(SyncMode.Full);
        Assert.Multiple(async () =>
        {
            Assert.That((full.Added, full.Failed), Is.EqualTo((3L, 1L)), "three copied, one refused by the target");
            Assert.That(full.Errors.Single().Key, Is.EqualTo(h.TargetKey("emoji").ToString()), "the refused row is named by key");
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("large")), Is.All.EqualTo(ConfigMd5.Of(large)), $"{large.Length} chars byte-exact on every node");
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("empty")), Is.All.EqualTo(ConfigMd5.Of("")), "empty content served");
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("a-b_c:d.e")), Is.All.EqualTo(ConfigMd5.Of("odd key")), "odd key served");
        });
    }

    [Test]
    public async Task A_namespace_created_in_the_source_after_the_full_run_is_created_by_the_incremental_one()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4);
        await h.WriteSourceAsync("base", "b");
        Assert.That((await h.RunAsync(SyncMode.Full)).Added, Is.EqualTo(1), "initial copy");
        await using (var c = await h.SourceDatabase.OpenAsync(CancellationToken.None))
        {
            await c.ExecuteAsync("INSERT INTO tenant_info (kp, tenant_id, tenant_name, tenant_desc, create_source, gmt_create, gmt_modified) VALUES ('1', 'qa', 'QA', '', 'nacos', 0, 0)");
        }

        await h.WriteSourceAsync("in-qa", "q", tenant: "qa");
        var run = await h.RunAsync(SyncMode.Incremental);
        await using var t = await h.TargetDatabase.OpenAsync(CancellationToken.None);
        Assert.Multiple(async () =>
        {
            Assert.That((run.Added, run.Errors.Count), Is.EqualTo((1L, 0)), string.Join(" | ", run.Errors.Select(e => e.Message)));
            Assert.That(await t.ExecuteScalarAsync<string>("SELECT tenant_name FROM tenant_info WHERE tenant_id = 'qa'"), Is.EqualTo("QA"), "the namespace came with its first config");
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("in-qa", "qa")), Is.All.EqualTo(ConfigMd5.Of("q")), "served by every node");
        });
    }

    [Test]
    public async Task An_incremental_run_whose_history_was_purged_falls_back_to_a_full_diff()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4);
        await h.WriteSourceAsync("base", "b");
        Assert.That((await h.RunAsync(SyncMode.Full)).Added, Is.EqualTo(1), "initial copy");
        await h.WriteSourceAsync("purged", "its history row is gone");
        await h.WriteSourceAsync("kept", "its history row is kept");
        await using (var c = await h.SourceDatabase.OpenAsync(CancellationToken.None))
        {
            // The 30-day purge, simulated: the oldest history rows after the checkpoint disappear.
            await c.ExecuteAsync("DELETE FROM his_config_info WHERE data_id <> 'kept'");
        }

        var run = await h.RunAsync(SyncMode.Incremental);
        Assert.Multiple(async () =>
        {
            Assert.That((run.Added, run.Errors.Count), Is.EqualTo((2L, 0)), "the full diff finds the change whose history is gone, too");
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("purged")), Is.All.EqualTo(ConfigMd5.Of("its history row is gone")), "nothing lost");
        });
    }

    [Test]
    public async Task A_source_that_reads_empty_removes_nothing()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4);
        for (var i = 0; i < 3; i++)
        {
            await h.WriteSourceAsync("k" + i, "v");
        }

        Assert.That((await h.RunAsync(SyncMode.Full)).Added, Is.EqualTo(3), "initial copy");
        for (var i = 0; i < 3; i++)
        {
            await h.DeleteSourceAsync("k" + i);
        }

        var full = await h.RunAsync(SyncMode.Full);
        Assert.Multiple(async () =>
        {
            Assert.That((full.Removed, full.Refused), Is.EqualTo((0L, 3L)), "an empty source read deletes nothing");
            Assert.That(full.GuardTripped, Does.Contain("reads empty"), "and says why");
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("k0")), Is.All.Not.Null, "the copies are still served");
        });
    }
}
