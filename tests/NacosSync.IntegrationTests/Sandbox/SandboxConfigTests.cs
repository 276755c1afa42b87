using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Sandbox;
using NacosSync.Storage.Database;

namespace NacosSync.IntegrationTests.Sandbox;

[TestFixture]
internal sealed class SandboxConfigTests
{
    private const string Configs = "/nacos/v1/cs/configs";

    private static Dictionary<string, string> Form(params (string Key, string Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

#pragma warning disable CA5351 // MD5 is Nacos's content digest, not a security measure.
    private static string Md5(string content) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(content)));
#pragma warning restore CA5351

    private static Task<(int Status, string Body)> PublishAsync(HttpClient client, string dataId, string content, string tenant = "") =>
        client.SendAsync(HttpMethod.Post, Configs, Form(("dataId", dataId), ("group", "DEFAULT_GROUP"), ("content", content), ("tenant", tenant)));

    private static async Task<(int Status, string Body, string? Md5)> GetAsync(HttpClient client, string dataId, string tenant = "")
    {
        using var response = await client.GetAsync(new Uri($"{Configs}?dataId={dataId}&group=DEFAULT_GROUP&tenant={tenant}", UriKind.Relative));
        // Content-MD5 is a content header to HttpClient, and Nacos's hex value is not the base64 it validates.
        var md5 = response.Content.Headers.NonValidated.TryGetValues("Content-MD5", out var values) ? values.ToString() : null;
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), md5);
    }

    /// <summary>What a direct writer does: content, md5, gmt_modified = the DB's NOW().</summary>
    private static async Task EditInDatabaseAsync(SqlDatabase database, string dataId, string content, string tenant = "")
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        var changed = await connection.ExecuteAsync(
            "UPDATE config_info SET content = @content, md5 = @md5, gmt_modified = NOW() WHERE data_id = @dataId AND group_id = 'DEFAULT_GROUP' AND tenant_id = @tenant",
            new { content, md5 = Md5(content), dataId, tenant });
        Assert.That(changed, Is.EqualTo(1), "the direct edit must hit the row");
    }

    /// <summary>Waits (under a second) until the DB clock enters a new second, so a NOW() write is not lost to the worker's same-second quirk.</summary>
    private static async Task NextDatabaseSecondAsync(SqlDatabase database)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        var start = await connection.ExecuteScalarAsync<DateTime>("SELECT NOW()");
        while (await connection.ExecuteScalarAsync<DateTime>("SELECT NOW()") == start)
        {
            await Task.Delay(50);
        }
    }

    [Test]
    public async Task A_publish_on_one_node_writes_the_row_and_history_and_every_node_serves_it_with_its_md5()
    {
        SqlDatabase? database = null;
        await using var cluster = await SandboxTestKit.StartAsync(nodes: 2, withDatabase: true, configure: o => database = o.Database);
        using var first = SandboxTestKit.Client(cluster.Nodes[0]);
        using var second = SandboxTestKit.Client(cluster.Nodes[1]);

        var publish = await PublishAsync(first, "app.yaml", "v: 1 ü");
        await PublishAsync(first, "app.yaml", "v: 2 ü");
        var read = await GetAsync(second, "app.yaml");
        await using var connection = await database!.OpenAsync(CancellationToken.None);
        var row = await connection.QuerySingleAsync<(string Md5, DateTime Modified, DateTime Now)>(
            "SELECT md5, gmt_modified, NOW() FROM config_info WHERE data_id = 'app.yaml'");
        var history = (await connection.QueryAsync<(long Id, string Op, string Content)>(
            "SELECT id, op_type, content FROM his_config_info WHERE data_id = 'app.yaml' ORDER BY nid")).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(publish, Is.EqualTo((200, "true")), "publish answers true");
            Assert.That(read.Status, Is.EqualTo(200));
            Assert.That(read.Body, Is.EqualTo("v: 2 ü"), "the peer node serves the new content");
            Assert.That(read.Md5, Is.EqualTo(Md5("v: 2 ü")), "Content-MD5 is the lowercase hex MD5 of the UTF-8 content");
            Assert.That(row.Md5, Is.EqualTo(Md5("v: 2 ü")), "the row's md5 is set");
            Assert.That(row.Now - row.Modified, Is.LessThan(TimeSpan.FromSeconds(30)), "gmt_modified is the DB's NOW()");
            Assert.That(history.Select(h => h.Op.Trim()), Is.EqualTo(new[] { "I", "U" }), "one history row per change");
            Assert.That(history[0].Id, Is.Zero, "an insert's history id is 0");
            Assert.That(history[1].Content, Is.EqualTo("v: 1 ü"), "an update's history holds the old content");
        });
    }

    [Test]
    public async Task After_a_direct_db_edit_nodes_serve_the_stale_value_until_local_cache_refreshes_only_the_node_that_received_it()
    {
        SqlDatabase? database = null;
        await using var cluster = await SandboxTestKit.StartAsync(nodes: 2, withDatabase: true, clock: new FakeTimeProvider(TestTime.Start), configure: o => database = o.Database);
        using var first = SandboxTestKit.Client(cluster.Nodes[0]);
        using var second = SandboxTestKit.Client(cluster.Nodes[1]);
        await PublishAsync(first, "db.edit", "old");

        await EditInDatabaseAsync(database!, "db.edit", "new");
        var staleFirst = await GetAsync(first, "db.edit");
        var refresh = await first.SendAsync(HttpMethod.Post, "/nacos/v1/cs/ops/localCache");
        await cluster.Nodes[0].WhenLocalCacheRefreshedAsync();
        var freshFirst = await GetAsync(first, "db.edit");
        var staleSecond = await GetAsync(second, "db.edit");

        Assert.Multiple(() =>
        {
            Assert.That(staleFirst.Body, Is.EqualTo("old"), "a node serves its cache, not the DB");
            Assert.That(refresh.Status, Is.EqualTo(200), "localCache answers 200 at once");
            Assert.That(freshFirst.Body, Is.EqualTo("new"), "the node that received localCache re-read the DB");
            Assert.That(freshFirst.Md5, Is.EqualTo(Md5("new")), "with the new md5");
            Assert.That(staleSecond.Body, Is.EqualTo("old"), "localCache refreshes only the node that received it");
        });
    }

    [Test]
    public async Task Local_cache_neither_removes_deleted_rows_nor_takes_a_row_older_than_the_cached_one()
    {
        SqlDatabase? database = null;
        await using var cluster = await SandboxTestKit.StartAsync(withDatabase: true, clock: new FakeTimeProvider(TestTime.Start), configure: o => database = o.Database);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        await PublishAsync(client, "gone", "still here");
        await PublishAsync(client, "older", "current");
        await using (var connection = await database!.OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("DELETE FROM config_info WHERE data_id = 'gone'");
            await connection.ExecuteAsync(
                "UPDATE config_info SET content = 'from the past', md5 = @md5, gmt_modified = NOW() - INTERVAL 1 HOUR WHERE data_id = 'older'",
                new { md5 = Md5("from the past") });
        }

        await client.SendAsync(HttpMethod.Post, "/nacos/v1/cs/ops/localCache");
        await cluster.Nodes[0].WhenLocalCacheRefreshedAsync();

        Assert.Multiple(async () =>
        {
            Assert.That((await GetAsync(client, "gone")).Body, Is.EqualTo("still here"), "localCache never removes keys");
            Assert.That((await GetAsync(client, "older")).Body, Is.EqualTo("current"), "a dump older than the cached gmt_modified is ignored");
        });
    }

    [Test]
    public async Task The_dump_change_worker_picks_up_db_edits_and_d_history_deletes_on_every_node_after_its_interval()
    {
        SqlDatabase? database = null;
        var clock = new FakeTimeProvider(TestTime.Start);
        await using var cluster = await SandboxTestKit.StartAsync(nodes: 2, withDatabase: true, clock: clock, configure: o => database = o.Database);
        using var first = SandboxTestKit.Client(cluster.Nodes[0]);
        using var second = SandboxTestKit.Client(cluster.Nodes[1]);
        await PublishAsync(first, "edited", "old");
        await PublishAsync(first, "deleted", "doomed");
        await NextDatabaseSecondAsync(database!);

        await EditInDatabaseAsync(database!, "edited", "new");
        await using (var connection = await database!.OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("DELETE FROM config_info WHERE data_id = 'deleted'");
            await connection.ExecuteAsync(
                "INSERT INTO his_config_info (id, data_id, group_id, tenant_id, app_name, content, md5, gmt_create, gmt_modified, op_type, encrypted_data_key) VALUES (1, 'deleted', 'DEFAULT_GROUP', '', '', 'doomed', @md5, NOW(), NOW(), 'D', '')",
                new { md5 = Md5("doomed") });
        }

        clock.Advance(TimeSpan.FromSeconds(29));
        await cluster.RunMaintenanceAsync();
        var before = await GetAsync(second, "edited");
        clock.Advance(TimeSpan.FromSeconds(2));
        await cluster.RunMaintenanceAsync();

        Assert.Multiple(async () =>
        {
            Assert.That(before.Body, Is.EqualTo("old"), "nothing changes before the 30 s interval");
            Assert.That((await GetAsync(first, "edited")).Body, Is.EqualTo("new"), "the worker re-read the edited row on node 1");
            Assert.That((await GetAsync(second, "edited")).Body, Is.EqualTo("new"), "and on node 2");
            Assert.That((await GetAsync(second, "deleted")).Status, Is.EqualTo(404), "a D history row removes the key");
        });
    }

    [TestCase(NacosVersionProfile.V2_4, true, TestName = "The_dump_change_worker_does_not_run_in_standalone_mode")]
    [TestCase(NacosVersionProfile.V2_2_0, false, TestName = "Version_2_2_0_has_no_dump_change_worker_but_answers_dataChange")]
    public async Task Without_the_worker_a_db_edit_stays_invisible(NacosVersionProfile profile, bool standalone)
    {
        SqlDatabase? database = null;
        var clock = new FakeTimeProvider(TestTime.Start);
        await using var cluster = await SandboxTestKit.StartAsync(profile: profile, withDatabase: true, clock: clock, configure: o =>
        {
            database = o.Database;
            o.Standalone = standalone;
        });
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        await PublishAsync(client, "quiet", "old");
        await NextDatabaseSecondAsync(database!);
        await EditInDatabaseAsync(database!, "quiet", "new");

        clock.Advance(TimeSpan.FromSeconds(120));
        await cluster.RunMaintenanceAsync();
        var after = await GetAsync(client, "quiet");
        var dataChange = await client.SendAsync(HttpMethod.Get, "/nacos/v1/cs/communication/dataChange?dataId=quiet&group=DEFAULT_GROUP");
        var afterDataChange = await GetAsync(client, "quiet");

        Assert.That(after.Body, Is.EqualTo("old"), "no worker, no refresh");
        if (profile == NacosVersionProfile.V2_2_0)
        {
            Assert.That(dataChange.Status, Is.EqualTo(200), "≤2.2.0 has dataChange");
            Assert.That(afterDataChange.Body, Is.EqualTo("new"), "dataChange re-reads the key");
        }
        else
        {
            Assert.That(dataChange.Status, Is.EqualTo(404), "2.4 has no dataChange");
        }
    }

    [Test]
    public async Task The_2_4_worker_wedges_on_a_hundred_d_rows_until_the_node_restarts()
    {
        SqlDatabase? database = null;
        var clock = new FakeTimeProvider(TestTime.Start);
        await using var cluster = await SandboxTestKit.StartAsync(withDatabase: true, clock: clock, configure: o => database = o.Database);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        await PublishAsync(client, "after.wedge", "old");
        await NextDatabaseSecondAsync(database!);
        await using (var connection = await database!.OpenAsync(CancellationToken.None))
        {
            for (var i = 0; i < 100; i++)
            {
                await connection.ExecuteAsync(
                    "INSERT INTO his_config_info (id, data_id, group_id, tenant_id, content, md5, op_type, encrypted_data_key) VALUES (@i, CONCAT('d', @i), 'DEFAULT_GROUP', '', 'x', '', 'D', '')",
                    new { i });
            }
        }

        clock.Advance(TimeSpan.FromSeconds(31));
        await cluster.RunMaintenanceAsync();
        await EditInDatabaseAsync(database, "after.wedge", "new");
        clock.Advance(TimeSpan.FromSeconds(31));
        await cluster.RunMaintenanceAsync();
        var wedged = cluster.Nodes[0].DumpWorkerWedged;
        var stale = await GetAsync(client, "after.wedge");
        await cluster.Nodes[0].StopAsync();
        await cluster.Nodes[0].StartAsync();

        Assert.Multiple(async () =>
        {
            Assert.That(wedged, Is.True, "100 D rows in one window wedge the 2.4 worker");
            Assert.That(stale.Body, Is.EqualTo("old"), "a wedged worker no longer refreshes");
            Assert.That(cluster.Nodes[0].DumpWorkerWedged, Is.False, "a restart clears the wedge");
            Assert.That((await GetAsync(client, "after.wedge")).Body, Is.EqualTo("new"), "a restart reloads the whole cache from the DB");
        });
    }

    [Test]
    public async Task A_delete_through_the_api_removes_the_key_from_every_node_and_writes_a_d_row()
    {
        SqlDatabase? database = null;
        await using var cluster = await SandboxTestKit.StartAsync(nodes: 2, withDatabase: true, clock: new FakeTimeProvider(TestTime.Start), configure: o => database = o.Database);
        using var first = SandboxTestKit.Client(cluster.Nodes[0]);
        using var second = SandboxTestKit.Client(cluster.Nodes[1]);
        await PublishAsync(first, "to.delete", "x");

        var delete = await second.SendAsync(HttpMethod.Delete, $"{Configs}?dataId=to.delete&group=DEFAULT_GROUP");
        var deleteAgain = await second.SendAsync(HttpMethod.Delete, $"{Configs}?dataId=to.delete&group=DEFAULT_GROUP");
        await using var connection = await database!.OpenAsync(CancellationToken.None);
        var ops = await connection.QueryAsync<string>("SELECT op_type FROM his_config_info WHERE data_id = 'to.delete' ORDER BY nid");

        Assert.Multiple(async () =>
        {
            Assert.That(delete, Is.EqualTo((200, "true")), "delete answers true");
            Assert.That(deleteAgain, Is.EqualTo((200, "true")), "deleting nothing answers true too");
            Assert.That(await GetAsync(first, "to.delete"), Is.EqualTo((404, "config data not exist", (string?)null)), "gone from the other node");
            Assert.That(ops.Select(o => o.Trim()), Is.EqualTo(new[] { "I", "D" }), "a D history row for the delete");
        });
    }

    [Test]
    public async Task A_listener_is_answered_at_once_for_a_stale_md5_and_held_until_a_peer_publishes()
    {
        await using var cluster = await SandboxTestKit.StartAsync(nodes: 2, withDatabase: true, clock: new FakeTimeProvider(TestTime.Start));
        using var first = SandboxTestKit.Client(cluster.Nodes[0]);
        using var second = SandboxTestKit.Client(cluster.Nodes[1]);
        await PublishAsync(first, "watched", "v1");

        // A long poll (Long-Pulling-Timeout set) answers in the body; the short poll's forms are tested below.
        using var stale = new HttpRequestMessage(HttpMethod.Post, new Uri(Configs + "/listener", UriKind.Relative))
        {
            Content = new FormUrlEncodedContent(Form(("Listening-Configs", "watched\u0002DEFAULT_GROUP\u0002stale\u0001"))),
        };
        stale.Headers.Add("Long-Pulling-Timeout", "30000");
        using var staleResponse = await first.SendAsync(stale);
        var immediate = ((int)staleResponse.StatusCode, await staleResponse.Content.ReadAsStringAsync());
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Configs + "/listener", UriKind.Relative))
        {
            Content = new FormUrlEncodedContent(Form(("Listening-Configs", $"watched\u0002DEFAULT_GROUP\u0002{Md5("v1")}\u0001"))),
        };
        request.Headers.Add("Long-Pulling-Timeout", "30000");
        var watch = Stopwatch.StartNew();
        var held = second.SendAsync(request);
        await Task.Delay(300);
        var heldBeforePublish = !held.IsCompleted;
        await PublishAsync(first, "watched", "v2");
        using var response = await held;
        var body = await response.Content.ReadAsStringAsync();

        Assert.Multiple(() =>
        {
            Assert.That(immediate, Is.EqualTo((200, "watched%02DEFAULT_GROUP%01\n")), "a stale md5 is answered at once, URL-encoded, newline-terminated");
            Assert.That(heldBeforePublish, Is.True, "an up-to-date listener is held");
            Assert.That(body, Is.EqualTo("watched%02DEFAULT_GROUP%01\n"), "the peer's publish releases it with the changed key");
            Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "released by the change, not the timeout");
        });
    }

    [Test]
    public async Task A_short_poll_answers_in_the_probe_modify_headers_unless_the_client_version_is_2_0_4_or_later()
    {
        await using var cluster = await SandboxTestKit.StartAsync(withDatabase: true);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        await PublishAsync(client, "polled", "v1");
        await PublishAsync(client, "in-dev", "d", tenant: "dev");

        async Task<(string Body, string? New, string? Old)> ShortPollAsync(string? clientVersion)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Configs + "/listener", UriKind.Relative))
            {
                Content = new FormUrlEncodedContent(Form(("Listening-Configs", "polled\u0002DEFAULT_GROUP\u0002stale\u0001in-dev\u0002DEFAULT_GROUP\u0002stale\u0002dev\u0001"))),
            };
            if (clientVersion is not null)
            {
                request.Headers.Add("Client-Version", clientVersion);
            }

            using var response = await client.SendAsync(request);
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadAsStringAsync(),
                response.Headers.TryGetValues("Probe-Modify-Response-New", out var n) ? string.Concat(n) : null,
                response.Headers.TryGetValues("Probe-Modify-Response", out var o) ? string.Concat(o) : null);
        }

        var anonymous = await ShortPollAsync(null);
        var old = await ShortPollAsync("2.0.3");
        var current = await ShortPollAsync("2.0.4");
        const string changed = "polled%02DEFAULT_GROUP%01in-dev%02DEFAULT_GROUP%02dev%01";
        Assert.Multiple(() =>
        {
            // Reference §2 (ConfigServletInner.doPollingConfig): no Client-Version counts as 2.0.0.
            Assert.That(anonymous, Is.EqualTo(("", changed, "polled:DEFAULT_GROUP;in-dev:DEFAULT_GROUP;")), "no Client-Version: the answer is in the headers, the body is empty");
            Assert.That(old, Is.EqualTo(("", changed, "polled:DEFAULT_GROUP;in-dev:DEFAULT_GROUP;")), "a client older than 2.0.4: headers too");
            Assert.That(current, Is.EqualTo((changed + "\n", (string?)null, (string?)null)), "2.0.4 or later: the body, as a long poll answers");
        });
    }

    [Test]
    public async Task On_2_x_a_v1_get_with_tenant_public_reads_the_blank_tenant_while_the_listener_addresses_the_literal_public_tenant()
    {
        await using var cluster = await SandboxTestKit.StartAsync(withDatabase: true);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        await PublishAsync(client, "k", "blank tenant");
        await PublishAsync(client, "k", "literal public tenant", tenant: "public");

        var get = await GetAsync(client, "k", tenant: "public");
        var search = await client.GetJsonAsync($"{Configs}?search=accurate&dataId=k&group=DEFAULT_GROUP&tenant=public&pageNo=1&pageSize=10");
        async Task<string> PollBodyAsync(string md5)
        {
            using var probe = new HttpRequestMessage(HttpMethod.Post, new Uri(Configs + "/listener", UriKind.Relative))
            {
                Content = new FormUrlEncodedContent(Form(("Listening-Configs", $"k\u0002DEFAULT_GROUP\u0002{md5}\u0002public\u0001"))),
            };
            probe.Headers.Add("Client-Version", "2.0.4");
            using var response = await client.SendAsync(probe);
            return await response.Content.ReadAsStringAsync();
        }

        var literalUpToDate = await PollBodyAsync(Md5("literal public tenant"));
        var blankMd5ForLiteral = await PollBodyAsync(Md5("blank tenant"));

        Assert.Multiple(() =>
        {
            // Reference §3: publish/delete/search with tenant=public touch a separate `public` tenant; a v1 GET reads "".
            Assert.That(get.Body, Is.EqualTo("blank tenant"), "a v1 GET with tenant=public reads the \"\" tenant on 2.x");
            Assert.That(search["pageItems"]![0]!["content"]!.GetValue<string>(), Is.EqualTo("literal public tenant"), "search addresses the literal tenant");
            Assert.That(literalUpToDate, Is.Empty, "the listener compares with the literal public tenant's md5: up to date");
            Assert.That(blankMd5ForLiteral, Is.EqualTo("k%02DEFAULT_GROUP%02public%01\n"), "and not with the blank tenant's");
        });
    }

    [Test]
    public async Task Search_pages_accurate_and_blur_and_hides_md5_from_2_4_on()
    {
        await using var cluster = await SandboxTestKit.StartAsync(withDatabase: true, clock: new FakeTimeProvider(TestTime.Start));
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        foreach (var id in new[] { "a.one", "a.two", "b.three" })
        {
            await PublishAsync(client, id, "c-" + id);
        }

        await PublishAsync(client, "other.tenant", "x", tenant: "dev");
        var all = await client.GetJsonAsync($"{Configs}?search=accurate&dataId=&group=&pageNo=1&pageSize=2");
        var blur = await client.GetJsonAsync($"{Configs}?search=blur&dataId=a.*&group=&pageNo=1&pageSize=10");
        var exact = await client.GetJsonAsync($"{Configs}?search=accurate&dataId=b.three&group=DEFAULT_GROUP&pageNo=1&pageSize=10");

        Assert.Multiple(() =>
        {
            Assert.That((int?)all["totalCount"], Is.EqualTo(3), "blank dataId and group list the public tenant only");
            Assert.That((int?)all["pagesAvailable"], Is.EqualTo(2), "3 items in pages of 2");
            Assert.That(all["pageItems"]!.AsArray(), Has.Count.EqualTo(2), "one page");
            Assert.That((int?)blur["totalCount"], Is.EqualTo(2), "blur matches a.*");
            Assert.That((string?)exact["pageItems"]![0]!["content"], Is.EqualTo("c-b.three"), "items carry content");
            Assert.That(exact["pageItems"]![0]!["md5"], Is.Null, "md5 is null in 2.4 search items");
        });
    }

    [Test]
    public async Task Publish_refuses_blank_content_and_a_cas_mismatch_with_the_reference_bodies_and_stores_unknown_types_as_text()
    {
        await using var cluster = await SandboxTestKit.StartAsync(withDatabase: true, clock: new FakeTimeProvider(TestTime.Start));
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);

        var blank = await PublishAsync(client, "blank", "  ");
        await client.SendAsync(HttpMethod.Post, Configs, Form(("dataId", "typed"), ("group", "DEFAULT_GROUP"), ("content", "x"), ("type", "weird")));
        using var cas = new HttpRequestMessage(HttpMethod.Post, new Uri(Configs, UriKind.Relative))
        {
            Content = new FormUrlEncodedContent(Form(("dataId", "typed"), ("group", "DEFAULT_GROUP"), ("content", "y"))),
        };
        cas.Headers.Add("casMd5", "0000");
        using var casResponse = await client.SendAsync(cas);
        using var typed = await client.GetAsync(new Uri($"{Configs}?dataId=typed&group=DEFAULT_GROUP", UriKind.Relative));

        Assert.Multiple(async () =>
        {
            Assert.That(blank, Is.EqualTo((400, "caused: content is blank : ;")), "blank content body");
            Assert.That((int)casResponse.StatusCode, Is.EqualTo(500), "a casMd5 mismatch is HTTP 500");
            Assert.That(await casResponse.Content.ReadAsStringAsync(), Is.EqualTo("caused: Cas publish fail, server md5 may have changed.;"), "cas body");
            Assert.That(typed.Headers.GetValues("Config-Type").Single(), Is.EqualTo("text"), "an unknown type is stored as text");
            Assert.That(await typed.Content.ReadAsStringAsync(), Is.EqualTo("x"), "the cas failure changed nothing");
        });
    }

    [Test]
    public async Task Version_3_keeps_public_configs_under_tenant_public_answers_410_on_v1_local_cache_and_serves_the_v3_one()
    {
        SqlDatabase? database = null;
        await using var cluster = await SandboxTestKit.StartAsync(profile: NacosVersionProfile.V3_0, withDatabase: true, clock: new FakeTimeProvider(TestTime.Start), configure: o => database = o.Database);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        await PublishAsync(client, "v3.cfg", "old");
        await EditInDatabaseAsync(database!, "v3.cfg", "new", tenant: "public");

        var v1 = await client.SendAsync(HttpMethod.Post, "/nacos/v1/cs/ops/localCache");
        var v3 = await client.SendAsync(HttpMethod.Post, "/nacos/v3/admin/cs/ops/localCache");
        await cluster.Nodes[0].WhenLocalCacheRefreshedAsync();

        Assert.Multiple(async () =>
        {
            Assert.That(v1.Status, Is.EqualTo(410), "v1 admin localCache is gone on 3.0");
            Assert.That(v3.Status, Is.EqualTo(200), "v3 admin localCache works");
            Assert.That((await GetAsync(client, "v3.cfg")).Body, Is.EqualTo("new"), "the blank tenant is the 'public' tenant row on 3.0");
        });
    }

    [Test]
    public async Task Namespaces_come_from_tenant_info_after_the_public_one()
    {
        await using var cluster = await SandboxTestKit.StartAsync(withDatabase: true, clock: new FakeTimeProvider(TestTime.Start));
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        var created = await client.SendAsync(HttpMethod.Post, "/nacos/v1/console/namespaces", Form(("customNamespaceId", "dev"), ("namespaceName", "Development")));

        var namespaces = await client.GetJsonAsync("/nacos/v1/console/namespaces");
        var data = namespaces["data"]!.AsArray();

        Assert.Multiple(() =>
        {
            Assert.That(created, Is.EqualTo((200, "true")), "namespace created");
            Assert.That((int?)namespaces["code"], Is.EqualTo(200), "console envelope");
            Assert.That(data.Select(n => (string?)n!["namespace"]), Is.EqualTo(new[] { "", "dev" }), "public first (\"\" in 2.x), then tenant_info rows");
            Assert.That((string?)data[1]!["namespaceShowName"], Is.EqualTo("Development"));
        });
    }

    [Test]
    public async Task A_stopped_node_misses_api_writes_and_catches_up_at_restart()
    {
        await using var cluster = await SandboxTestKit.StartAsync(nodes: 2, withDatabase: true, clock: new FakeTimeProvider(TestTime.Start));
        using var first = SandboxTestKit.Client(cluster.Nodes[0]);
        using var second = SandboxTestKit.Client(cluster.Nodes[1]);
        await cluster.Nodes[1].StopAsync();
        await PublishAsync(first, "while.down", "x");
        await cluster.Nodes[1].StartAsync();

        Assert.That((await GetAsync(second, "while.down")).Body, Is.EqualTo("x"), "a restart reloads the cache from the DB");
    }
}
