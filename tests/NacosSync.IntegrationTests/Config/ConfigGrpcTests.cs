using NacosSync.Core.Config;
using NacosSync.Core.Options;
using NacosSync.Core.Sync;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Config;

/// <summary>
/// Config over gRPC against sandboxes (docs/config.md, docs/grpc.md): proofs by <c>ConfigBatchListenRequest</c> per target
/// node, query/publish/remove in API mode, a dropped connection, and a 1.4 source on HTTP beside a 3.x target on gRPC. Which
/// way each call went is counted by the target's nodes themselves (<see cref="SandboxNode.Requests"/>).
/// </summary>
[TestFixture]
internal sealed class ConfigGrpcTests
{
    private const string ClientRead = "/nacos/v3/client/cs/config";
    private const string AdminConfig = "/nacos/v3/admin/cs/config";

    private static string Describe(SyncRunResult r) =>
        $"added {r.Added}, updated {r.Updated}, removed {r.Removed}, failed {r.Failed}, errors: {string.Join(" | ", r.Errors.Select(e => $"{e.Stage}: {e.Message}"))}";

    private static async Task<(SyncRunResult Full, SyncRunResult Incremental)> CopyUpdateDeleteAsync(ConfigSyncHarness h)
    {
        await h.WriteSourceAsync("a.yaml", "a: 1");
        await h.WriteSourceAsync("b.yaml", "b: 1");
        await h.WriteSourceAsync("c.yaml", "c: 1");
        var full = await h.RunAsync(SyncMode.Full);
        await h.WriteSourceAsync("a.yaml", "a: 2");
        await h.DeleteSourceAsync("b.yaml");
        var incremental = await h.RunAsync(SyncMode.Incremental);
        return (full, incremental);
    }

    private static async Task AssertConvergedAsync(ConfigSyncHarness h, SyncRunResult full, SyncRunResult incremental)
    {
        Assert.That(full.Succeeded, Is.True, "full: " + Describe(full));
        Assert.That(incremental.Succeeded, Is.True, "incremental: " + Describe(incremental));
        Assert.That((incremental.Updated, incremental.Removed), Is.EqualTo((1L, 1L)), Describe(incremental));
        Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("a.yaml")), Is.All.EqualTo(ConfigMd5.Of("a: 2")), "the update is served by every node");
        Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("b.yaml")), Is.All.Null, "the delete is gone from every node");
        Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("c.yaml")), Is.All.EqualTo(ConfigMd5.Of("c: 1")));
    }

    /// <summary>
    /// 3.3 has no HTTP listener (reference §8): over HTTP every key is read from every node (<c>GET /v3/client/cs/config</c>); on
    /// gRPC one batch listen per node per 500 keys (<c>ConfigChangeBatchListenRequestHandler</c>) and no read at all. The Http case
    /// is the control: it shows the count would catch a proof that went by reads.
    /// </summary>
    [TestCase(ClusterTransport.Auto)]
    [TestCase(ClusterTransport.Http)]
    public async Task Proofs_on_a_two_node_3_3_target_go_by_batch_listen_per_node_on_grpc_and_by_reads_over_http(ClusterTransport transport)
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4, ConfigSyncMode.Database, NacosVersionProfile.V3_3, targetNodes: 2, transport: transport);

        var (full, incremental) = await CopyUpdateDeleteAsync(h);
        var listens = h.Target.Nodes.Select(n => n.Requests.Grpc("ConfigBatchListenRequest")).ToList();
        var reads = h.Target.Nodes.Select(n => n.Requests.Http("GET", ClientRead)).ToList();
        var removes = h.Target.Nodes.Sum(n => n.Requests.Grpc("ConfigRemoveRequest"));

        await AssertConvergedAsync(h, full, incremental);
        Assert.Multiple(() =>
        {
            if (transport == ClusterTransport.Auto)
            {
                Assert.That(listens, Is.All.GreaterThan(0), "every node proven by batch listening on its own connection");
                Assert.That(reads, Is.All.EqualTo(0), "no HTTP config read made by the proofs");
                Assert.That(removes, Is.EqualTo(1), "the delete went through ConfigRemoveRequest");
                Assert.That(h.Target.Nodes.Sum(n => n.Requests.Http("DELETE", AdminConfig)), Is.Zero, "and not through HTTP");
            }
            else
            {
                Assert.That(listens, Is.All.EqualTo(0), "Http never opens a gRPC connection");
                Assert.That(reads, Is.All.GreaterThan(0), "over HTTP 3.3 is proven key by key");
            }
        });
    }

    /// <summary>API mode 2.4 → 3.3: publish (with casMd5 for updates) and remove over gRPC; the listing stays on HTTP (no gRPC search).</summary>
    [Test]
    public async Task Api_mode_from_2_4_to_3_3_publishes_removes_and_proves_over_grpc()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4, ConfigSyncMode.Api, NacosVersionProfile.V3_3, targetNodes: 2, transport: ClusterTransport.Auto);

        var (full, incremental) = await CopyUpdateDeleteAsync(h);
        var nodes = h.Target.Nodes;
        var publishes = nodes.Sum(n => n.Requests.Grpc("ConfigPublishRequest"));
        var removes = nodes.Sum(n => n.Requests.Grpc("ConfigRemoveRequest"));
        var queries = nodes.Sum(n => n.Requests.Grpc("ConfigQueryRequest"));
        var httpWrites = nodes.Sum(n => n.Requests.Http("POST", AdminConfig) + n.Requests.Http("DELETE", AdminConfig));
        var httpReads = nodes.Sum(n => n.Requests.Http("GET", ClientRead));
        var listens = nodes.Select(n => n.Requests.Grpc("ConfigBatchListenRequest")).ToList();

        await AssertConvergedAsync(h, full, incremental);
        Assert.Multiple(() =>
        {
            Assert.That(publishes, Is.EqualTo(4), "three adds and one update published over gRPC");
            Assert.That(removes, Is.EqualTo(1), "the delete removed over gRPC");
            Assert.That(queries, Is.GreaterThan(0), "the incremental run reads the target's keys by ConfigQueryRequest");
            Assert.That(httpWrites, Is.Zero, "no HTTP write");
            Assert.That(httpReads, Is.Zero, "no HTTP read (the proofs listen)");
            Assert.That(listens, Is.All.GreaterThan(0), "every node proven by batch listening");
        });
    }

    /// <summary>A publish whose casMd5 no longer matches is refused by the server (ConfigOperationService: RESOURCE_CONFLICT), reported by key.</summary>
    [Test]
    public async Task A_target_edit_between_read_and_publish_is_not_overwritten_over_grpc()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4, ConfigSyncMode.Api, NacosVersionProfile.V3_3, targetNodes: 1, transport: ClusterTransport.Auto);
        var api = h.Client("tgt", h.Target);
        var key = h.TargetKey("cas.yaml");
        await api.PublishAsync(new ConfigRow(key, "v: 1", new ConfigAttributes("yaml", "", "", "", "")), null, CancellationToken.None);

        var conflict = Assert.ThrowsAsync<NacosSync.Nacos.Config.ConfigCasConflictException>(() =>
            api.PublishAsync(new ConfigRow(key, "v: 3", new ConfigAttributes("yaml", "", "", "", "")), ConfigMd5.Of("v: 0"), CancellationToken.None));
        await api.PublishAsync(new ConfigRow(key, "v: 2", new ConfigAttributes("yaml", "", "", "", "")), ConfigMd5.Of("v: 1"), CancellationToken.None);
        var served = await api.GetAsync(key, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(conflict!.Message, Does.Contain(key.ToString()), "named by key");
            Assert.That(served?.Content, Is.EqualTo("v: 2"), "the matching casMd5 was taken, the stale one refused");
            Assert.That(served?.Type, Is.EqualTo("yaml"), "additionMap type arrived");
            Assert.That(h.Target.Nodes[0].Requests.Grpc("ConfigPublishRequest"), Is.EqualTo(3));
        });
    }

    /// <summary>The proof connections are held to one node each: dropped by the node, they reconnect to it and the next run proves again.</summary>
    [Test]
    public async Task After_the_target_drops_every_grpc_connection_the_next_run_proves_its_changes_again()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4, ConfigSyncMode.Database, NacosVersionProfile.V3_3, targetNodes: 2, transport: ClusterTransport.Auto);
        await h.WriteSourceAsync("a.yaml", "a: 1");
        var full = await h.RunAsync(SyncMode.Full);
        var dropped = h.Target.Nodes.Sum(n => n.ConnectionFaults.DropAllConnections());

        await h.WriteSourceAsync("a.yaml", "a: 2");
        var incremental = await h.RunAsync(SyncMode.Incremental);
        var served = await h.ServedByEveryNodeAsync(h.TargetKey("a.yaml"));

        Assert.Multiple(() =>
        {
            Assert.That(full.Succeeded, Is.True, Describe(full));
            Assert.That(dropped, Is.GreaterThanOrEqualTo(2), "each node held a proof connection");
            Assert.That(incremental.Succeeded, Is.True, "proven after the reconnect: " + Describe(incremental));
            Assert.That(incremental.Updated, Is.EqualTo(1));
            Assert.That(served, Is.All.EqualTo(ConfigMd5.Of("a: 2")));
            Assert.That(h.Target.Nodes.Select(n => n.Requests.Http("GET", ClientRead)), Is.All.Zero, "no fallback to HTTP reads");
        });
    }

    /// <summary>Mixed (issue 11): a 1.4 source has no gRPC and stays on HTTP under Auto; the 3.3 target beside it is on gRPC.</summary>
    [Test]
    public async Task A_1_4_source_on_http_syncs_into_a_3_3_target_on_grpc()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V1_4, ConfigSyncMode.Database, NacosVersionProfile.V3_3, targetNodes: 2, transport: ClusterTransport.Auto);

        var (full, incremental) = await CopyUpdateDeleteAsync(h);

        await AssertConvergedAsync(h, full, incremental);
        Assert.Multiple(() =>
        {
            Assert.That(h.Source.Nodes[0].GrpcAddress, Is.Null, "1.4 serves no gRPC");
            Assert.That(h.Target.Nodes.Select(n => n.Requests.Grpc("ConfigBatchListenRequest")), Is.All.GreaterThan(0), "the target is proven over gRPC");
            Assert.That(h.Target.Nodes.Select(n => n.Requests.Http("GET", ClientRead)), Is.All.Zero);
        });
    }
}
