using System.Net;
using NacosSync.Core.Config;
using NacosSync.Nacos.Config;
using NacosSync.Nacos.Grpc;
using NacosSync.Nacos.Grpc.Messages;
using NacosSync.Nacos.Transport;
using NacosSync.Tests.Nacos;
using NacosSync.Tests.Nacos.Grpc;

namespace NacosSync.Tests.Config;

/// <summary>
/// Config over gRPC behind <see cref="NacosConfigClient"/> (<see cref="GrpcConfigDialect"/>), against answers written from
/// alibaba/nacos's handlers (each cited): <c>config/.../server/remote/ConfigChangeBatchListenRequestHandler.java</c> with
/// <c>ConfigCacheService.isUptodate</c>, <c>ConfigQueryRequestHandler.java</c>, <c>ConfigPublishRequestHandler.java</c>,
/// <c>ConfigRemoveRequestHandler.java</c>, and the request classes of <c>api/.../config/remote/request/</c>
/// (<c>ConfigBatchListenRequest</c> with its <c>ConfigListenContext</c>, <c>ConfigQueryRequest</c>, <c>ConfigPublishRequest</c>,
/// <c>ConfigRemoveRequest</c>) and responses (<c>ConfigChangeBatchListenResponse</c>, <c>ConfigQueryResponse</c>).
/// </summary>
[TestFixture]
internal sealed class GrpcConfigDialectTests
{
    private static readonly Uri Node = new("http://10.0.0.1:8848");
    private static readonly ConfigKey A = new("public", "G", "a.yaml");
    private static readonly ConfigKey B = new("public", "G", "b.yaml");
    private static readonly ConfigKey Gone = new("public", "G", "gone.yaml");

    private sealed class Connections(NacosGrpcConnection? cluster, NacosGrpcConnection? node) : IConfigGrpcConnections
    {
        public List<Uri> NodesAsked { get; } = [];

        public Task<NacosGrpcConnection?> ClusterAsync(CancellationToken cancellationToken) => Task.FromResult(cluster);

        public Task<NacosGrpcConnection?> NodeAsync(Uri node1, CancellationToken cancellationToken)
        {
            NodesAsked.Add(node1);
            return Task.FromResult(node);
        }
    }

    private static async Task<(NacosConfigClient Client, FakeOpener Opener, FakeNacosHandler Http, NacosGrpcConnection Connection)> CreateAsync(
        Func<GrpcRequest, GrpcResponse> answer, string version = "3.3.0")
    {
        var options = new NacosGrpcOptions { Name = "target", Servers = [Node], MaxRetries = 0, Module = "config" };
        var time = new SignallingFakeTime();
        var opener = new FakeOpener(options, time) { Answer = answer };
        var connection = new NacosGrpcConnection(options, _ => opener, null, time, null, null);
        await connection.StartAsync(CancellationToken.None);
        // ConfigOpenApiController.getConfig: Result.failure(RESOURCE_NOT_FOUND) when the node has no such config.
        var http = FakeNacosHandler.Serving(version, (_, _) => FakeNacosHandler.Text(HttpStatusCode.OK, """{"code":20004,"message":"resource not found","data":null}"""));
        var transport = new NacosTransport(new NacosTransportOptions { Name = "target", Servers = [Node], MaxRetries = 0 }, new HttpClient(http));
        return (new NacosConfigClient(transport, new Connections(connection, connection)), opener, http, connection);
    }

    private static List<GrpcRequest> Sent(FakeOpener opener) => [.. opener.Sessions.SelectMany(s => s.Sent).Select(s => s.Request)];

    /// <summary>
    /// ConfigChangeBatchListenRequestHandler: for each context, <c>addListen</c>, then <c>addChangeConfig(dataId, group, tenant)</c>
    /// when <c>!ConfigCacheService.isUptodate(groupKey, md5, ...)</c>, i.e. the cached md5 (<c>Constants.NULL</c> = "" for an
    /// absent key) is not the one sent; <c>listen:false</c> only removes the listener and answers nothing.
    /// </summary>
    private static GrpcResponse NacosListenHandler(GrpcRequest request, IReadOnlyDictionary<ConfigKey, string> cache) => request switch
    {
        ConfigBatchListenRequest { Listen: true } listen => new ConfigChangeBatchListenResponse
        {
            ChangedConfigs = [.. listen.ConfigListenContexts
                .Where(c => cache.GetValueOrDefault(new ConfigKey(c.Tenant, c.Group, c.DataId), "") != c.Md5)
                .Select(c => new ConfigContext(c.DataId, c.Group, c.Tenant))],
        },
        ConfigBatchListenRequest => new ConfigChangeBatchListenResponse(),
        _ => new ErrorResponse { ResultCode = 500, ErrorCode = NacosErrorCodes.NoHandler },
    };

    [Test]
    public async Task A_node_check_sends_the_expected_md5s_and_a_key_is_stale_exactly_when_the_node_names_it()
    {
        var cache = new Dictionary<ConfigKey, string> { [A] = ConfigMd5.Of("a: 2"), [B] = ConfigMd5.Of("b: old"), [Gone] = ConfigMd5.Of("still here") };
        var (client, opener, http, _) = await CreateAsync(r => NacosListenHandler(r, cache));
        var wanted = new[] { (A, ConfigMd5.Of("a: 2")), (B, ConfigMd5.Of("b: new")), (Gone, ""), (new ConfigKey("public", "G", "absent"), "") };

        var stale = await client.StaleOnNodeAsync(Node, wanted, CancellationToken.None);

        var sent = Sent(opener).OfType<ConfigBatchListenRequest>().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(stale, Is.EquivalentTo(new[] { B, Gone }), "B serves the old md5, Gone should be absent; A and the absent key are proven");
            Assert.That(sent.Select(s => s.Listen), Is.EqualTo(new[] { true, false }), "one listen that compares, one that removes the listeners again");
            Assert.That(sent[0].ConfigListenContexts, Is.EqualTo(new[]
            {
                new ConfigListenContext("a.yaml", "G", "public", ConfigMd5.Of("a: 2")),
                new ConfigListenContext("b.yaml", "G", "public", ConfigMd5.Of("b: new")),
                new ConfigListenContext("gone.yaml", "G", "public", ""),
                new ConfigListenContext("absent", "G", "public", ""),
            }), "one ConfigListenContext per key with the md5 it must serve (\"\" = absent), tenant as written");
            Assert.That(http.Requests, Is.Empty, "no HTTP call: neither the listener nor a read");
        });
    }

    [Test]
    public async Task A_batch_the_node_refuses_for_its_parameters_is_checked_over_http_instead()
    {
        // ConfigBatchListenRequestParamExtractor checks every context: one dataId Nacos would not accept fails the whole request.
        var (client, _, http, _) = await CreateAsync(r => new ErrorResponse { ResultCode = 500, ErrorCode = 400, Message = "Param check invalid:invalid dataId" });

        var stale = await client.StaleOnNodeAsync(Node, [(A, ConfigMd5.Of("a: 1"))], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(stale, Is.EqualTo(new[] { A }), "the HTTP read found no content, so A is stale there");
            Assert.That(http.Requests.Select(r => r.Uri.AbsolutePath), Has.Member("/nacos/v3/client/cs/config"), "3.3's HTTP way: a read from the node");
        });
    }

    [Test]
    public async Task A_query_maps_the_answer_and_code_300_is_absent_and_code_400_is_asked_again()
    {
        var conflicts = 0;
        var (client, opener, _, _) = await CreateAsync(r => r switch
        {
            ConfigQueryRequest { DataId: "gone.yaml" } => new ConfigQueryResponse { ResultCode = 500, ErrorCode = 300, Message = "config data not exist" },
            ConfigQueryRequest when conflicts++ == 0 => new ConfigQueryResponse { ResultCode = 500, ErrorCode = 400, Message = "requested file is being modified, please try later." },
            ConfigQueryRequest => new ConfigQueryResponse { Content = "a: 1", Md5 = ConfigMd5.Of("a: 1").ToUpperInvariant(), ContentType = "yaml" },
            _ => new ErrorResponse { ResultCode = 500, ErrorCode = NacosErrorCodes.NoHandler },
        });

        var served = await client.GetFromNodeAsync(Node, A, CancellationToken.None);
        var absent = await client.GetAsync(Gone, CancellationToken.None);

        var queries = Sent(opener).OfType<ConfigQueryRequest>().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(served, Is.EqualTo(new ServedConfig("a: 1", ConfigMd5.Of("a: 1"), "yaml")), "ConfigQueryResponse content/md5/contentType");
            Assert.That(absent, Is.Null, "ConfigQueryResponse.CONFIG_NOT_FOUND (300)");
            Assert.That(queries.Count(q => q.DataId == "a.yaml"), Is.EqualTo(2), "CONFIG_QUERY_CONFLICT (400, being dumped) is asked again");
            Assert.That((queries[0].Group, queries[0].Tenant), Is.EqualTo(("G", "public")));
        });
    }

    [Test]
    public async Task A_publish_carries_the_attributes_in_additionMap_and_a_failed_compare_is_a_conflict_by_key()
    {
        // ConfigPublishRequestHandler reads type, appName, src_user, encryptedDataKey, config_tags, desc from additionMap; a CAS
        // miss answers ConfigPublishResponse.buildFailResponse(500, "Cas publish fail, server md5 may have changed.").
        var (client, opener, _, _) = await CreateAsync(r => r switch
        {
            ConfigPublishRequest { CasMd5: "stale" } => new ConfigPublishResponse { ResultCode = 500, ErrorCode = 500, Message = "Cas publish fail, server md5 may have changed." },
            ConfigPublishRequest => new ConfigPublishResponse(),
            ConfigRemoveRequest => new ConfigRemoveResponse(),
            _ => new ErrorResponse { ResultCode = 500, ErrorCode = NacosErrorCodes.NoHandler },
        });
        var row = new ConfigRow(A, "a: 1", new ConfigAttributes("yaml", "app", "described", "t1,t2", "key"));

        await client.PublishAsync(row, null, CancellationToken.None);
        var conflict = Assert.ThrowsAsync<ConfigCasConflictException>(() => client.PublishAsync(row, "stale", CancellationToken.None));
        await client.DeleteAsync(A, CancellationToken.None);

        var sent = Sent(opener);
        var publish = sent.OfType<ConfigPublishRequest>().First();
        Assert.Multiple(() =>
        {
            Assert.That((publish.DataId, publish.Group, publish.Tenant, publish.Content, publish.CasMd5), Is.EqualTo(("a.yaml", "G", "public", "a: 1", (string?)null)));
            Assert.That(publish.AdditionMap, Is.EquivalentTo(new Dictionary<string, string>
            {
                ["type"] = "yaml", ["appName"] = "app", ["desc"] = "described", ["config_tags"] = "t1,t2", ["encryptedDataKey"] = "key",
            }), "the names ConfigPublishRequestHandler reads");
            Assert.That(conflict!.Message, Does.Contain(A.ToString()));
            Assert.That(sent.OfType<ConfigPublishRequest>().Count(p => p.CasMd5 == "stale"), Is.EqualTo(1), "a compare-and-set publish is not sent twice");
            var remove = sent.OfType<ConfigRemoveRequest>().Single();
            Assert.That((remove.DataId, remove.Group, remove.Tenant), Is.EqualTo(("a.yaml", "G", "public")), "ConfigRemoveRequest addresses the key as AbstractConfigRequest");
        });
    }

    [Test]
    public async Task Without_a_grpc_connection_every_call_stays_on_http()
    {
        var http = FakeNacosHandler.Serving("3.3.0", (_, _) => FakeNacosHandler.Text(HttpStatusCode.OK, """{"code":20004,"message":"resource not found","data":null}"""));
        var transport = new NacosTransport(new NacosTransportOptions { Name = "target", Servers = [Node], MaxRetries = 0 }, new HttpClient(http));
        var connections = new Connections(null, null);
        var client = new NacosConfigClient(transport, connections);

        var stale = await client.StaleOnNodeAsync(Node, [(A, ConfigMd5.Of("a: 1"))], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(stale, Is.EqualTo(new[] { A }));
            Assert.That(connections.NodesAsked, Is.EqualTo(new[] { Node }), "the node's connection was asked for");
            Assert.That(http.Requests.Single().Uri.AbsolutePath, Is.EqualTo("/nacos/v3/client/cs/config"), "and, there being none, HTTP answered");
        });
    }

    [Test]
    public async Task On_1_4_the_grpc_connections_are_never_asked()
    {
        var http = FakeNacosHandler.Serving("1.4.2", (_, _) => FakeNacosHandler.Text(HttpStatusCode.OK, ""));
        var transport = new NacosTransport(new NacosTransportOptions { Name = "target", Servers = [Node], MaxRetries = 0 }, new HttpClient(http));
        var connections = new Connections(null, null);

        await new NacosConfigClient(transport, connections).StaleOnNodeAsync(Node, [(A, ConfigMd5.Of("a: 1"))], CancellationToken.None);

        Assert.That(connections.NodesAsked, Is.Empty, "1.x has no gRPC");
    }
}
