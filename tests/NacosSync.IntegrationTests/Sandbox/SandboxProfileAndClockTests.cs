using Dapper;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Sandbox;
using NacosSync.Storage.Database;

namespace NacosSync.IntegrationTests.Sandbox;

[TestFixture]
internal sealed class SandboxProfileAndClockTests
{
    [TestCase(NacosVersionProfile.V1_4, "")]
    [TestCase(NacosVersionProfile.V2_2_0, "")]
    [TestCase(NacosVersionProfile.V2_5, "")]
    [TestCase(NacosVersionProfile.V3_0, "public")]
    public async Task Publish_and_get_work_on_the_schema_of_every_profile_and_rows_land_in_its_public_tenant(NacosVersionProfile profile, string publicTenant)
    {
        SqlDatabase? database = null;
        await using var cluster = await SandboxTestKit.StartAsync(profile: profile, withDatabase: true, clock: new FakeTimeProvider(TestTime.Start), configure: o => database = o.Database);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);

        var publish = await client.SendAsync(HttpMethod.Post, "/nacos/v1/cs/configs",
            new Dictionary<string, string> { ["dataId"] = "p.cfg", ["group"] = "DEFAULT_GROUP", ["content"] = "x=1" });
        var get = await client.SendAsync(HttpMethod.Get, "/nacos/v1/cs/configs?dataId=p.cfg&group=DEFAULT_GROUP");
        await using var connection = await database!.OpenAsync(CancellationToken.None);
        var tenant = await connection.QuerySingleAsync<string>("SELECT tenant_id FROM config_info WHERE data_id = 'p.cfg'");

        Assert.Multiple(() =>
        {
            Assert.That(publish, Is.EqualTo((200, "true")), "publish works on this profile's schema");
            Assert.That(get, Is.EqualTo((200, "x=1")), "get serves it");
            Assert.That(tenant, Is.EqualTo(publicTenant), "the public namespace's config tenant of this version");
        });
    }

    [Test]
    public async Task In_2_x_tenant_public_is_a_separate_config_tenant_from_the_blank_public_namespace()
    {
        await using var cluster = await SandboxTestKit.StartAsync(withDatabase: true, clock: new FakeTimeProvider(TestTime.Start));
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        await client.SendAsync(HttpMethod.Post, "/nacos/v1/cs/configs",
            new Dictionary<string, string> { ["dataId"] = "t.cfg", ["group"] = "DEFAULT_GROUP", ["content"] = "blank", ["tenant"] = "" });
        await client.SendAsync(HttpMethod.Post, "/nacos/v1/cs/configs",
            new Dictionary<string, string> { ["dataId"] = "t.cfg", ["group"] = "DEFAULT_GROUP", ["content"] = "named", ["tenant"] = "public" });

        Assert.Multiple(async () =>
        {
            Assert.That(await client.SendAsync(HttpMethod.Get, "/nacos/v1/cs/configs?dataId=t.cfg&group=DEFAULT_GROUP"), Is.EqualTo((200, "blank")), "tenant \"\" is the public namespace");
            // Reference §3: publish and search with tenant=public address a separate tenant, but a v1 GET with tenant=public reads "" on 2.x.
            Assert.That((await client.GetJsonAsync("/nacos/v1/cs/configs?search=accurate&dataId=t.cfg&group=DEFAULT_GROUP&tenant=public&pageNo=1&pageSize=10"))["pageItems"]![0]!["content"]!.GetValue<string>(),
                Is.EqualTo("named"), "tenant=public is another tenant in 2.x");
            Assert.That(await client.SendAsync(HttpMethod.Get, "/nacos/v1/cs/configs?dataId=t.cfg&group=DEFAULT_GROUP&tenant=public"), Is.EqualTo((200, "blank")), "which a v1 GET cannot read: tenant=public reads the public namespace");
        });
    }

    [Test]
    public async Task Re_registering_resets_the_heartbeat_clock()
    {
        var clock = new FakeTimeProvider(TestTime.Start);
        await using var cluster = await SandboxTestKit.StartAsync(clock: clock);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        await client.SendAsync(HttpMethod.Post, "/nacos/v1/ns/instance?serviceName=re&ip=10.0.0.1&port=1");

        clock.Advance(TimeSpan.FromSeconds(25));
        await client.SendAsync(HttpMethod.Post, "/nacos/v1/ns/instance?serviceName=re&ip=10.0.0.1&port=1");
        clock.Advance(TimeSpan.FromSeconds(10));
        await cluster.RunMaintenanceAsync();
        var hosts = (await client.GetJsonAsync("/nacos/v1/ns/instance/list?serviceName=re"))["hosts"]!.AsArray();

        Assert.That(hosts.Select(h => (bool?)h!["healthy"]), Is.EqualTo(new[] { true }), "35 s after the first registration but 10 s after the second: present and healthy");
    }

    [Test]
    public async Task A_row_written_with_now_in_the_same_second_as_a_worker_run_but_after_it_is_missed_for_good()
    {
        SqlDatabase? database = null;
        var clock = new FakeTimeProvider(TestTime.Start);
        await using var cluster = await SandboxTestKit.StartAsync(withDatabase: true, clock: clock, configure: o => database = o.Database);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        await client.SendAsync(HttpMethod.Post, "/nacos/v1/cs/configs",
            new Dictionary<string, string> { ["dataId"] = "quirk", ["group"] = "DEFAULT_GROUP", ["content"] = "old" });
        await using var connection = await database!.OpenAsync(CancellationToken.None);

        // Start a run early in a DB second, then write in that same second.
        DateTime runSecond;
        DateTime writeSecond;
        var attempts = 0;
        do
        {
            while ((await connection.ExecuteScalarAsync<DateTime>("SELECT NOW(3)")).Millisecond > 300)
            {
                await Task.Delay(20);
            }

            clock.Advance(TimeSpan.FromSeconds(31));
            runSecond = await connection.ExecuteScalarAsync<DateTime>("SELECT NOW()");
            await cluster.RunMaintenanceAsync();
            await connection.ExecuteAsync("UPDATE config_info SET content = 'new', md5 = MD5('new'), gmt_modified = NOW() WHERE data_id = 'quirk'");
            writeSecond = await connection.QuerySingleAsync<DateTime>("SELECT gmt_modified FROM config_info WHERE data_id = 'quirk'");
        }
        while (writeSecond != runSecond && ++attempts < 5);

        if (writeSecond != runSecond)
        {
            Assert.Inconclusive("could not place the write in the same DB second as the worker run");
        }

        clock.Advance(TimeSpan.FromSeconds(31));
        await cluster.RunMaintenanceAsync();
        clock.Advance(TimeSpan.FromSeconds(31));
        await cluster.RunMaintenanceAsync();

        Assert.That(await client.SendAsync(HttpMethod.Get, "/nacos/v1/cs/configs?dataId=quirk&group=DEFAULT_GROUP"), Is.EqualTo((200, "old")),
            "second-precision gmt_modified below the millisecond run start: the worker never sees the row");
    }

    [Test]
    public async Task The_time_scale_makes_expiry_happen_sooner_in_real_time()
    {
        await using var cluster = await SandboxTestKit.StartAsync(configure: o =>
        {
            o.TimeScale = 100;
            o.MaintenancePeriod = TimeSpan.FromMilliseconds(50);
        });
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        await client.SendAsync(HttpMethod.Post, "/nacos/v1/ns/instance?serviceName=fast&ip=10.0.0.1&port=1");

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        int count;
        do
        {
            await Task.Delay(100);
            count = (await client.GetJsonAsync("/nacos/v1/ns/instance/list?serviceName=fast"))["hosts"]!.AsArray().Count;
        }
        while (count > 0 && DateTime.UtcNow < deadline);

        Assert.That(count, Is.Zero, "at 100× the 30 s delete timeout passes in 0.3 s of real time");
    }
}
