using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Sandbox;

[TestFixture]
internal sealed class SandboxNamingTests
{
    private const string Instance = "/nacos/v1/ns/instance";

    private static Dictionary<string, string> Form(params (string Key, string Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    private static Task<(int Status, string Body)> RegisterAsync(HttpClient client, string service, string ip, int port, params (string, string)[] extra) =>
        client.SendAsync(HttpMethod.Post, Instance, Form([("serviceName", service), ("ip", ip), ("port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)), .. extra]));

    private static async Task<JsonArray> HostsAsync(HttpClient client, string service, string query = "") =>
        (await client.GetJsonAsync($"/nacos/v1/ns/instance/list?serviceName={service}{query}"))["hosts"]!.AsArray();

    [Test]
    public async Task A_registered_instance_is_listed_by_every_node_with_the_v1_fields()
    {
        var clock = new FakeTimeProvider(TestTime.Start);
        await using var cluster = await SandboxTestKit.StartAsync(nodes: 2, clock: clock);
        using var first = SandboxTestKit.Client(cluster.Nodes[0]);
        using var second = SandboxTestKit.Client(cluster.Nodes[1]);

        var register = await RegisterAsync(first, "orders", "10.0.0.1", 8080, ("metadata", "{\"zone\":\"a\"}"), ("weight", "2.5"));
        var info = await second.GetJsonAsync("/nacos/v1/ns/instance/list?serviceName=orders");
        var host = info["hosts"]![0]!;

        Assert.Multiple(() =>
        {
            Assert.That(register, Is.EqualTo((200, "ok")), "register answers ok");
            Assert.That((string?)info["name"], Is.EqualTo("DEFAULT_GROUP@@orders"), "name is GROUP@@svc");
            Assert.That((string?)info["checksum"], Is.Empty, "2.x checksum is always empty");
            Assert.That((long?)info["lastRefTime"], Is.EqualTo(clock.GetUtcNow().ToUnixTimeMilliseconds()), "lastRefTime is the server clock");
            Assert.That((bool?)info["reachProtectionThreshold"], Is.False, "no protection without explicit service metadata");
            Assert.That((string?)host["ip"], Is.EqualTo("10.0.0.1"));
            Assert.That((int?)host["port"], Is.EqualTo(8080));
            Assert.That((double?)host["weight"], Is.EqualTo(2.5), "weight as registered");
            Assert.That((bool?)host["ephemeral"], Is.True, "ephemeral by default");
            Assert.That((string?)host["clusterName"], Is.EqualTo("DEFAULT"), "default cluster");
            Assert.That((string?)host["metadata"]!["zone"], Is.EqualTo("a"), "metadata from the JSON string");
            Assert.That((string?)host["instanceId"], Is.EqualTo("10.0.0.1#8080#DEFAULT#DEFAULT_GROUP@@orders"), "instance id shape");
        });
    }

    [Test]
    public async Task Ephemeral_instances_turn_unhealthy_after_15_s_are_deleted_after_30_s_and_the_empty_service_goes_after_60_s()
    {
        var clock = new FakeTimeProvider(TestTime.Start);
        await using var cluster = await SandboxTestKit.StartAsync(clock: clock);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        await RegisterAsync(client, "expiring", "10.0.0.1", 1);

        clock.Advance(TimeSpan.FromSeconds(14));
        await cluster.RunMaintenanceAsync();
        var at14 = (bool?)(await HostsAsync(client, "expiring"))[0]!["healthy"];
        clock.Advance(TimeSpan.FromSeconds(2));
        await cluster.RunMaintenanceAsync();
        var at16 = (bool?)(await HostsAsync(client, "expiring"))[0]!["healthy"];
        var healthyOnly = await HostsAsync(client, "expiring", "&healthyOnly=true");
        clock.Advance(TimeSpan.FromSeconds(15));
        await cluster.RunMaintenanceAsync();
        var at31 = await HostsAsync(client, "expiring");
        var servicesAt31 = await client.GetJsonAsync("/nacos/v1/ns/service/list?pageNo=1&pageSize=100");
        clock.Advance(TimeSpan.FromSeconds(60));
        await cluster.RunMaintenanceAsync();
        var servicesAt91 = await client.GetJsonAsync("/nacos/v1/ns/service/list?pageNo=1&pageSize=100");

        Assert.Multiple(() =>
        {
            Assert.That(at14, Is.True, "still healthy before 15 s without a beat");
            Assert.That(at16, Is.False, "unhealthy after 15 s without a beat");
            Assert.That(healthyOnly, Is.Empty, "healthyOnly drops the unhealthy instance");
            Assert.That(at31, Is.Empty, "deleted after 30 s without a beat");
            Assert.That(servicesAt31["doms"]!.AsArray().Select(d => (string?)d), Does.Contain("expiring"), "an empty service is still listed for a while");
            Assert.That(servicesAt91["doms"]!.AsArray().Select(d => (string?)d), Does.Not.Contain("expiring"), "the empty service vanished 60 s after its last change");
        });
    }

    [Test]
    public async Task An_instance_with_preserved_heartbeat_metadata_expires_on_its_own_timings()
    {
        // Reference §9: per-instance metadata preserved.heart.beat.timeout / preserved.ip.delete.timeout (ms).
        var clock = new FakeTimeProvider(TestTime.Start);
        await using var cluster = await SandboxTestKit.StartAsync(clock: clock);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        await RegisterAsync(client, "patient", "10.0.0.1", 1,
            ("metadata", "{\"preserved.heart.beat.timeout\":\"30000\",\"preserved.ip.delete.timeout\":\"60000\"}"));

        clock.Advance(TimeSpan.FromSeconds(20));
        await cluster.RunMaintenanceAsync();
        var at20 = (bool?)(await HostsAsync(client, "patient"))[0]!["healthy"];
        clock.Advance(TimeSpan.FromSeconds(15));
        await cluster.RunMaintenanceAsync();
        var at35 = await HostsAsync(client, "patient");
        clock.Advance(TimeSpan.FromSeconds(30));
        await cluster.RunMaintenanceAsync();
        var at65 = await HostsAsync(client, "patient");

        Assert.Multiple(() =>
        {
            Assert.That(at20, Is.True, "still healthy at 20 s: its own heartbeat timeout is 30 s, not the default 15 s");
            Assert.That(at35.Select(h => (bool?)h!["healthy"]), Is.EqualTo(new bool?[] { false }), "unhealthy after 30 s, and not deleted at the default 30 s");
            Assert.That(at65, Is.Empty, "deleted after its own 60 s delete timeout");
        });
    }

    [Test]
    public async Task A_beat_keeps_an_instance_healthy_a_light_beat_for_an_unknown_one_answers_20404_and_a_full_beat_re_registers()
    {
        var clock = new FakeTimeProvider(TestTime.Start);
        await using var cluster = await SandboxTestKit.StartAsync(clock: clock);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        await RegisterAsync(client, "beating", "10.0.0.1", 1);

        clock.Advance(TimeSpan.FromSeconds(16));
        await cluster.RunMaintenanceAsync();
        var beat = await client.SendAsync(HttpMethod.Put, "/nacos/v1/ns/instance/beat?serviceName=beating&ip=10.0.0.1&port=1&clusterName=DEFAULT");
        var afterBeat = (bool?)(await HostsAsync(client, "beating"))[0]!["healthy"];
        var unknown = await client.SendAsync(HttpMethod.Put, "/nacos/v1/ns/instance/beat?serviceName=beating&ip=10.0.0.9&port=9&clusterName=DEFAULT");
        var fullBeat = await client.SendAsync(HttpMethod.Put, "/nacos/v1/ns/instance/beat",
            Form(("serviceName", "DEFAULT_GROUP@@beating"), ("beat", "{\"ip\":\"10.0.0.9\",\"port\":9,\"serviceName\":\"DEFAULT_GROUP@@beating\",\"cluster\":\"c1\",\"metadata\":{\"k\":\"v\"}}")));
        var reRegistered = (await HostsAsync(client, "beating")).Single(h => (string?)h!["ip"] == "10.0.0.9")!;

        Assert.Multiple(() =>
        {
            Assert.That(beat, Is.EqualTo((200, "{\"clientBeatInterval\":5000,\"code\":10200,\"lightBeatEnabled\":true}")), "the beat answer of the reference");
            Assert.That(afterBeat, Is.True, "a beat makes the instance healthy again");
            Assert.That(unknown.Body, Does.Contain("\"code\":20404"), "a light beat for an unknown instance answers 20404");
            Assert.That(fullBeat.Body, Does.Contain("\"code\":10200"), "a beat with JSON re-registers");
            Assert.That((double?)reRegistered["weight"], Is.Zero, "a beat JSON without weight re-registers with weight 0");
            Assert.That((string?)reRegistered["clusterName"], Is.EqualTo("c1"), "the beat's cluster is used");
        });
    }

    [Test]
    public async Task Version_2_refuses_mixing_ephemeral_and_persistent_instances_and_1_4_allows_it()
    {
        await using var v24 = await SandboxTestKit.StartAsync(clock: new FakeTimeProvider(TestTime.Start));
        await using var v14 = await SandboxTestKit.StartAsync(profile: NacosVersionProfile.V1_4, clock: new FakeTimeProvider(TestTime.Start));
        using var client24 = SandboxTestKit.Client(v24.Nodes[0]);
        using var client14 = SandboxTestKit.Client(v14.Nodes[0]);

        await RegisterAsync(client24, "x", "10.0.0.1", 1, ("ephemeral", "false"));
        var mixed24 = await RegisterAsync(client24, "x", "10.0.0.2", 1);
        await RegisterAsync(client14, "x", "10.0.0.1", 1, ("ephemeral", "false"));
        var mixed14 = await RegisterAsync(client14, "x", "10.0.0.2", 1);
        var info14 = await client14.GetJsonAsync("/nacos/v1/ns/instance/list?serviceName=x");

        Assert.Multiple(() =>
        {
            Assert.That(mixed24.Status, Is.EqualTo(400), "2.x refuses the other kind");
            Assert.That(mixed24.Body, Does.Contain("errCode: 400, errMsg: Current service DEFAULT_GROUP@@x is persistent service, can't register ephemeral instance."), "the reference's error text");
            Assert.That(mixed14, Is.EqualTo((200, "ok")), "1.4 lets both kinds share a service");
            Assert.That(info14["hosts"]!.AsArray(), Has.Count.EqualTo(2), "1.4 lists both kinds");
            Assert.That((string?)info14["checksum"], Is.Not.Empty, "1.4 returns a real checksum");
        });
    }

    [Test]
    public async Task Disabled_instances_are_dropped_from_the_list_but_kept_in_the_catalog_and_an_update_overlay_cannot_remove_a_key()
    {
        await using var cluster = await SandboxTestKit.StartAsync(clock: new FakeTimeProvider(TestTime.Start));
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        await RegisterAsync(client, "svc", "10.0.0.1", 1, ("metadata", "{\"a\":\"1\",\"b\":\"2\"}"));
        await RegisterAsync(client, "svc", "10.0.0.2", 1, ("enable", "false"));

        var update = await client.SendAsync(HttpMethod.Put, Instance, Form(("serviceName", "svc"), ("ip", "10.0.0.1"), ("port", "1"), ("metadata", "{\"a\":\"9\"}"), ("weight", "3")));
        var hosts = await HostsAsync(client, "svc");
        var catalog = (await client.GetJsonAsync("/nacos/v1/ns/catalog/services?pageNo=1&pageSize=10&withInstances=true")).AsArray();
        var catalogHosts = catalog.Single(s => (string?)s!["serviceName"] == "svc")!["clusterMap"]!["DEFAULT"]!["hosts"]!.AsArray();

        Assert.Multiple(() =>
        {
            Assert.That(update, Is.EqualTo((200, "ok")), "update answers ok");
            Assert.That(hosts.Select(h => (string?)h!["ip"]), Is.EqualTo(new[] { "10.0.0.1" }), "instance/list drops enabled=false");
            Assert.That((string?)hosts[0]!["metadata"]!["a"], Is.EqualTo("9"), "the overlay wins for its keys");
            Assert.That((string?)hosts[0]!["metadata"]!["b"], Is.EqualTo("2"), "a registered key the overlay lacks stays");
            Assert.That((double?)hosts[0]!["weight"], Is.EqualTo(3), "the overlay's weight is read");
            Assert.That(catalogHosts.Select(h => (bool?)h!["enabled"]), Is.EquivalentTo(new[] { true, false }), "the catalog includes disabled instances");
            Assert.That(catalogHosts[0]!.AsObject().ContainsKey("ephemeral"), Is.False, "the catalog has no ephemeral flag");
        });
    }

    [Test]
    public async Task The_protect_threshold_applies_only_to_services_with_explicit_metadata()
    {
        await using var cluster = await SandboxTestKit.StartAsync(clock: new FakeTimeProvider(TestTime.Start));
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        var create = await client.SendAsync(HttpMethod.Post, "/nacos/v1/ns/service", Form(("serviceName", "guarded"), ("protectThreshold", "0.6")));
        var ephemeralOnPersistent = await RegisterAsync(client, "guarded", "10.0.0.1", 1);
        await RegisterAsync(client, "guarded", "10.0.0.1", 1, ("ephemeral", "false"), ("healthy", "false"));
        await RegisterAsync(client, "guarded", "10.0.0.2", 1, ("ephemeral", "false"));
        await RegisterAsync(client, "plain", "10.0.0.1", 1, ("ephemeral", "false"), ("healthy", "false"));
        await RegisterAsync(client, "plain", "10.0.0.2", 1, ("ephemeral", "false"));

        var guarded = await client.GetJsonAsync("/nacos/v1/ns/instance/list?serviceName=guarded&healthyOnly=true");
        var plain = await client.GetJsonAsync("/nacos/v1/ns/instance/list?serviceName=plain&healthyOnly=true");

        Assert.Multiple(() =>
        {
            Assert.That(create, Is.EqualTo((200, "ok")), "service created");
            Assert.That(ephemeralOnPersistent.Status, Is.EqualTo(400), "POST /v1/ns/service creates a persistent service");
            Assert.That((bool?)guarded["reachProtectionThreshold"], Is.True, "1 of 2 healthy is at or below 0.6");
            Assert.That(guarded["hosts"]!.AsArray().Select(h => (bool?)h!["healthy"]), Is.EqualTo(new[] { true, true }), "under protection every instance is listed as healthy");
            Assert.That((bool?)plain["reachProtectionThreshold"], Is.False, "no explicit metadata, no protection");
            Assert.That(plain["hosts"]!.AsArray(), Has.Count.EqualTo(1), "healthyOnly filters normally");
        });
    }

    [Test]
    public async Task Deregister_answers_ok_for_nothing_and_registering_in_another_cluster_moves_the_instance()
    {
        await using var cluster = await SandboxTestKit.StartAsync(clock: new FakeTimeProvider(TestTime.Start));
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);

        var nothing = await client.SendAsync(HttpMethod.Delete, Instance + "?serviceName=none&ip=1.1.1.1&port=1");
        await RegisterAsync(client, "mover", "10.0.0.1", 1, ("clusterName", "a"));
        await RegisterAsync(client, "mover", "10.0.0.1", 1, ("clusterName", "b"));
        var all = await HostsAsync(client, "mover");
        var clusterA = await HostsAsync(client, "mover", "&clusters=a");
        var gone = await client.SendAsync(HttpMethod.Delete, Instance + "?serviceName=mover&ip=10.0.0.1&port=1&clusterName=zzz");
        var after = await HostsAsync(client, "mover");

        Assert.Multiple(() =>
        {
            Assert.That(nothing, Is.EqualTo((200, "ok")), "deregister answers ok even when nothing existed");
            Assert.That(all.Select(h => (string?)h!["clusterName"]), Is.EqualTo(new[] { "b" }), "the instance moved to cluster b");
            Assert.That(clusterA, Is.Empty, "cluster a no longer has it");
            Assert.That(gone, Is.EqualTo((200, "ok")), "deregister ok");
            Assert.That(after, Is.Empty, "clusterName is not compared on deregister");
        });
    }

    [Test]
    public async Task The_catalog_returns_the_whole_list_on_every_page_when_it_is_shorter_than_the_page_size_and_the_service_list_pages()
    {
        await using var cluster = await SandboxTestKit.StartAsync(clock: new FakeTimeProvider(TestTime.Start));
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        foreach (var name in new[] { "s1", "s2", "s3" })
        {
            await RegisterAsync(client, name, "10.0.0.1", 1);
        }

        await RegisterAsync(client, "s4", "10.0.0.1", 1, ("groupName", "OTHER"));

        var page1 = await client.GetJsonAsync("/nacos/v1/ns/catalog/services?pageNo=1&pageSize=10");
        var page2 = await client.GetJsonAsync("/nacos/v1/ns/catalog/services?pageNo=2&pageSize=10");
        var small = await client.GetJsonAsync("/nacos/v1/ns/catalog/services?pageNo=2&pageSize=3");
        var list = await client.GetJsonAsync("/nacos/v1/ns/service/list?pageNo=2&pageSize=2");
        var missingPaging = await client.SendAsync(HttpMethod.Get, "/nacos/v1/ns/service/list");

        Assert.Multiple(() =>
        {
            Assert.That((int?)page1["count"], Is.EqualTo(4), "the catalog counts every group");
            Assert.That(page2["serviceList"]!.AsArray(), Has.Count.EqualTo(4), "page 2 repeats the whole short list (quirk)");
            Assert.That(small["serviceList"]!.AsArray(), Has.Count.EqualTo(1), "a list longer than the page pages normally");
            Assert.That((int?)list["count"], Is.EqualTo(3), "service/list counts one group");
            Assert.That(list["doms"]!.AsArray().Select(d => (string?)d), Is.EqualTo(new[] { "s3" }), "doms are names without group, one page");
            Assert.That(missingPaging.Status, Is.EqualTo(400), "pageNo and pageSize are required");
        });
    }

    [Test]
    public async Task A_list_call_with_a_udp_port_subscribes_that_address_to_pushes_until_it_lapses()
    {
        var clock = new FakeTimeProvider(TestTime.Start);
        await using var cluster = await SandboxTestKit.StartAsync(clock: clock);
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", "Nacos-Java-Client:v1.4.2"); // Nacos pushes only to a known agent (§2)
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var udpPort = ((IPEndPoint)udp.Client.LocalEndPoint!).Port;

        var info = await client.GetJsonAsync($"/nacos/v1/ns/instance/list?serviceName=pushed&clusters=DEFAULT&udpPort={udpPort}&clientIP=127.0.0.1");
        await RegisterAsync(client, "pushed", "10.0.0.7", 7);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var packet = await udp.ReceiveAsync(timeout.Token);
        var push = JsonNode.Parse(Encoding.UTF8.GetString(packet.Buffer))!;
        var data = JsonNode.Parse((string)push["data"]!)!;

        clock.Advance(TimeSpan.FromSeconds(11));
        await cluster.RunMaintenanceAsync();
        var before = cluster.PushCount;
        await RegisterAsync(client, "pushed", "10.0.0.8", 8);

        Assert.Multiple(() =>
        {
            Assert.That((int?)info["cacheMillis"], Is.EqualTo(10000), "a pushable client is told 10 s");
            Assert.That((string?)push["type"], Is.EqualTo("dom"), "a service push is type dom");
            Assert.That((string?)data["name"], Is.EqualTo("DEFAULT_GROUP@@pushed"), "the push carries the ServiceInfo");
            Assert.That((string?)data["clusters"], Is.EqualTo("DEFAULT"), "with the subscriber's clusters, so the client can key it");
            Assert.That(data["hosts"]!.AsArray().Select(h => (string?)h!["ip"]), Is.EqualTo(new[] { "10.0.0.7" }), "the new instance is pushed");
            Assert.That(cluster.PushCount, Is.EqualTo(before), "a subscription not renewed within 10 s lapses");
        });
    }

    [Test]
    public async Task Version_3_answers_410_on_the_v1_console_catalog_and_namespaces_but_serves_the_client_api()
    {
        await using var cluster = await SandboxTestKit.StartAsync(profile: NacosVersionProfile.V3_0, clock: new FakeTimeProvider(TestTime.Start));
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);

        var catalog = await client.SendAsync(HttpMethod.Get, "/nacos/v1/ns/catalog/services?pageNo=1&pageSize=10");
        var namespaces = await client.SendAsync(HttpMethod.Get, "/nacos/v1/console/namespaces");
        var register = await RegisterAsync(client, "svc", "10.0.0.1", 1);
        var v3Namespaces = await client.GetJsonAsync("/nacos/v3/admin/core/namespace/list");
        var v3Services = await client.GetJsonAsync("/nacos/v3/admin/ns/service/list?namespaceId=public&ignoreEmptyService=false&pageNo=1&pageSize=100");

        Assert.Multiple(() =>
        {
            Assert.That(catalog.Status, Is.EqualTo(410), "console catalog is gone on 3.0");
            Assert.That(namespaces.Status, Is.EqualTo(410), "console namespaces is gone on 3.0");
            Assert.That(register, Is.EqualTo((200, "ok")), "the v1 client API still works");
            Assert.That((string?)v3Namespaces["data"]![0]!["namespace"], Is.EqualTo("public"), "3.0's public namespace id is public");
            Assert.That((int?)v3Services["data"]!["totalCount"], Is.EqualTo(1), "the v3 admin service list replaces the catalog");
            Assert.That((string?)v3Services["data"]!["pageItems"]![0]!["name"], Is.EqualTo("svc"), "items name the service without group");
        });
    }

    [Test]
    public async Task The_v2_api_wraps_the_same_answers()
    {
        await using var cluster = await SandboxTestKit.StartAsync(clock: new FakeTimeProvider(TestTime.Start));
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);

        var register = await client.SendAsync(HttpMethod.Post, "/nacos/v2/ns/instance", Form(("serviceName", "v2svc"), ("ip", "10.0.0.1"), ("port", "1")));
        var list = await client.GetJsonAsync("/nacos/v2/ns/instance/list?serviceName=v2svc");
        var v14 = await SandboxTestKit.StartAsync(profile: NacosVersionProfile.V1_4, clock: new FakeTimeProvider(TestTime.Start));
        await using (v14)
        {
            using var client14 = SandboxTestKit.Client(v14.Nodes[0]);
            var absent = await client14.SendAsync(HttpMethod.Get, "/nacos/v2/ns/instance/list?serviceName=v2svc");
            Assert.That(absent.Status, Is.EqualTo(404), "1.4 has no v2 API");
        }

        Assert.Multiple(() =>
        {
            Assert.That(register, Is.EqualTo((200, "{\"code\":0,\"message\":\"success\",\"data\":\"ok\"}")), "v2 envelope");
            Assert.That((int?)list["code"], Is.Zero);
            Assert.That(list["data"]!["hosts"]!.AsArray(), Has.Count.EqualTo(1), "the ServiceInfo is the data");
        });
    }
}
