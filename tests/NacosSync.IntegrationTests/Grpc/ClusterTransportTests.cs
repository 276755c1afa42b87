using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NacosSync.Core.Options;
using NacosSync.Engine.Clusters;
using NacosSync.Nacos.Grpc.Messages;
using NacosSync.Nacos.Transport;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Grpc;

/// <summary>
/// <c>Clusters:&lt;key&gt;:Transport</c> as the registry resolves it against sandboxes: Auto takes gRPC where the
/// line has it and the port answers, and stays on HTTP otherwise; Grpc fails by name; Http never connects.
/// </summary>
[TestFixture]
public sealed class ClusterTransportTests
{
    private static ClusterRegistry Registry(SandboxCluster cluster, ClusterTransport transport, int offset = 1000) =>
        new(Options.Create(new NacosSyncOptions
        {
            Clusters =
            {
                ["c"] = new ClusterOptions { ServerAddresses = [.. cluster.ServerAddresses], Transport = transport, GrpcPortOffset = offset },
            },
        }), TimeProvider.System, NullLoggerFactory.Instance);

    [Test]
    public async Task Auto_on_a_2x_cluster_whose_grpc_port_answers_gives_a_started_connection_that_serves_requests()
    {
        await using var sandbox = await SandboxCluster.StartAsync(new SandboxClusterOptions { Profile = NacosVersionProfile.V2_4 }, CancellationToken.None);
        await using var registry = Registry(sandbox, ClusterTransport.Auto);

        var connection = await registry.GrpcAsync("c", "naming", "test", CancellationToken.None);
        var again = await registry.GrpcAsync("c", "naming", "test", CancellationToken.None);
        var other = await registry.GrpcAsync("c", "naming", "other", CancellationToken.None);
        var list = await connection!.RequestAsync<ServiceListResponse>(
            new ServiceListRequest { Namespace = "public", GroupName = "DEFAULT_GROUP", PageNo = 1, PageSize = 10 }, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(connection.ConnectionId, Is.Not.Null);
            Assert.That(again, Is.SameAs(connection), "one connection per cluster, module and purpose");
            Assert.That(other, Is.Not.SameAs(connection), "another purpose owns its own pushes");
            Assert.That(list.IsSuccess, Is.True);
        });
    }

    [Test]
    public async Task On_1_4_Auto_stays_on_http_and_Grpc_fails_naming_the_key_and_the_version()
    {
        await using var sandbox = await SandboxCluster.StartAsync(new SandboxClusterOptions { Profile = NacosVersionProfile.V1_4 }, CancellationToken.None);
        await using var auto = Registry(sandbox, ClusterTransport.Auto);
        await using var grpc = Registry(sandbox, ClusterTransport.Grpc);

        var none = await auto.GrpcAsync("c", "naming", "test", CancellationToken.None);
        var error = Assert.ThrowsAsync<NacosGrpcUnavailableException>(() => grpc.GrpcAsync("c", "naming", "test", CancellationToken.None));

        Assert.That(none, Is.Null);
        Assert.That(error!.Message, Does.Contain("Clusters:c:Transport is Grpc").And.Contain("1.4"));
    }

    [Test]
    public async Task When_no_grpc_port_answers_Auto_stays_on_http_Grpc_fails_by_name_and_Http_never_tries()
    {
        await using var sandbox = await SandboxCluster.StartAsync(new SandboxClusterOptions { Profile = NacosVersionProfile.V2_4 }, CancellationToken.None);
        var closedOffset = ClosedPortOffset(sandbox);
        await using var auto = Registry(sandbox, ClusterTransport.Auto, closedOffset);
        await using var grpc = Registry(sandbox, ClusterTransport.Grpc, closedOffset);
        await using var http = Registry(sandbox, ClusterTransport.Http);

        var none = await auto.GrpcAsync("c", "naming", "test", CancellationToken.None);
        var error = Assert.ThrowsAsync<NacosGrpcUnavailableException>(() => grpc.GrpcAsync("c", "naming", "test", CancellationToken.None));
        var never = await http.GrpcAsync("c", "naming", "test", CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(none, Is.Null);
            Assert.That(never, Is.Null);
            Assert.That(error!.Message, Does.Contain("Clusters:c:Transport is Grpc").And.Contain("no node accepted a gRPC connection"));
        });
    }

    /// <summary>An offset from the node's HTTP port to a loopback port nothing listens on.</summary>
    private static int ClosedPortOffset(SandboxCluster sandbox)
    {
        var httpPort = new Uri("http://" + sandbox.ServerAddresses[0]).Port;
        for (var offset = 1; offset < 500 && httpPort + offset < 65535; offset++)
        {
            try
            {
                var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, httpPort + offset);
                listener.Start();
                listener.Stop();
                return offset;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Taken: try the next one.
            }
        }

        throw new InvalidOperationException($"no free loopback port within 500 above {httpPort}");
    }
}
