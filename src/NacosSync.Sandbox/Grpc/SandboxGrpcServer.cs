using System.Net;
using System.Net.Sockets;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NacosSync.Nacos.Protocol;

namespace NacosSync.Sandbox.Grpc;

/// <summary>
/// The gRPC server of one node: its own Kestrel on the gRPC port (HTTP/2 without TLS), the two Nacos
/// methods bound by hand (reference §9), the node's connections. Lives as long as the node; started
/// and stopped with it.
/// </summary>
internal sealed class SandboxGrpcServer
{
    /// <summary>Nacos's default gRPC message limit (10 MiB, reference §9).</summary>
    private const int MaxMessageBytes = 10 * 1024 * 1024;

    private readonly SandboxNode _node;
    private WebApplication? _app;

    public SandboxGrpcServer(SandboxNode node)
    {
        _node = node;
        Profile = GrpcProfile.For(node.Cluster.Traits);
        Connections = new GrpcConnections(node);
        Faults = new SandboxConnectionFaults(Connections);
        if (Profile.Serves)
        {
            node.Cluster.Naming.Changed += Connections.OnServiceChanged;
            node.Cache.Changed += Connections.OnConfigChanged;
        }
    }

    public GrpcProfile Profile { get; }

    public GrpcConnections Connections { get; }

    public SandboxConnectionFaults Faults { get; }

    /// <summary>The gRPC port (0 until first started, or when the profile has no gRPC).</summary>
    public int Port { get; private set; }

    /// <summary>
    /// The port to listen on: the options' gRPC port of this node when given, else HTTP port + 1000
    /// (Nacos's rule, which clients rely on).
    /// </summary>
    public int PortFor(int httpPort)
    {
        if (Port > 0)
        {
            return Port;
        }

        if (_node.Cluster.Options.GrpcPorts is { } ports && ports[_node.Index] > 0)
        {
            return ports[_node.Index];
        }

        return httpPort + 1000 <= IPEndPoint.MaxPort
            ? httpPort + 1000
            : throw new InvalidOperationException($"node {_node.Index}: HTTP port {httpPort} + 1000 is not a port; give SandboxClusterOptions.GrpcPorts");
    }

    /// <summary>
    /// An OS-chosen HTTP port whose +1000 neighbour is free too, so that the +1000 rule holds with
    /// dynamic ports (0 when this node's gRPC port is given by the options or the profile has no gRPC).
    /// </summary>
    public int PickHttpPort(string host)
    {
        if (!Profile.Serves || _node.Cluster.Options.GrpcPorts is { } ports && ports[_node.Index] > 0)
        {
            return 0;
        }

        var address = IPAddress.Parse(host);
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var http = new TcpListener(address, 0);
            http.Start();
            var port = ((IPEndPoint)http.LocalEndpoint).Port;
            if (port + 1000 > IPEndPoint.MaxPort)
            {
                continue;
            }

            try
            {
                using var grpc = new TcpListener(address, port + 1000);
                grpc.Start();
                return port;
            }
            catch (SocketException)
            {
                // The neighbour is taken: try another pair.
            }
        }

        throw new InvalidOperationException($"node {_node.Index}: found no free HTTP port whose +1000 is free; give SandboxClusterOptions.Ports or GrpcPorts");
    }

    public async Task StartAsync(int httpPort, CancellationToken ct)
    {
        if (!Profile.Serves || _app is not null)
        {
            return;
        }

        var port = PortFor(httpPort);
        var app = Build(port);
        await app.StartAsync(ct);
        Port = port;
        _app = app;
        SandboxGrpcLog.GrpcStarted(_node.Cluster.Logger, _node.Index, _node.Cluster.Options.Host, port);
    }

    /// <summary>Closes every connection (their instances vanish, reference §9) and stops listening.</summary>
    public async Task StopAsync(CancellationToken ct)
    {
        if (_app is not { } app)
        {
            return;
        }

        _app = null;
        Connections.DropAll();
        Faults.Clear();
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            try
            {
                await app.StopAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // Streams still open after the grace period are cut off, as a killed server would.
            }
        }

        await app.DisposeAsync();
    }

    private WebApplication Build(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // grpc-java (the Nacos server) does not cap concurrent calls per connection; Kestrel's default is 100.
            kestrel.Limits.Http2.MaxStreamsPerConnection = 100_000;
            Listen(kestrel, port);
        });
        builder.Services.AddGrpc(options =>
        {
            options.MaxReceiveMessageSize = MaxMessageBytes;
            options.MaxSendMessageSize = MaxMessageBytes;
        });
        builder.Services.AddSingleton(new NacosGrpcService(_node, Profile));
        builder.Services.AddSingleton<IServiceMethodProvider<NacosGrpcService>, NacosGrpcMethodProvider>();
        var app = builder.Build();
        app.MapGrpcService<NacosGrpcService>();
        return app;
    }

    /// <summary>HTTP/2 without TLS; a connection middleware names each transport as AddressTransportFilter does.</summary>
    private void Listen(KestrelServerOptions kestrel, int port) =>
        kestrel.Listen(IPAddress.Parse(_node.Cluster.Options.Host), port, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.Use(next => async connection =>
            {
                Connections.OnTransportReady(connection);
                try
                {
                    await next(connection);
                }
                finally
                {
                    Connections.OnTransportTerminated(connection.ConnectionId);
                }
            });
        });

    /// <summary>Binds the two hand-declared methods (the generated service base does not compile for an rpc named <c>request</c>).</summary>
    private sealed class NacosGrpcMethodProvider : IServiceMethodProvider<NacosGrpcService>
    {
        public void OnServiceMethodDiscovery(ServiceMethodProviderContext<NacosGrpcService> context)
        {
            context.AddUnaryMethod(NacosGrpcMethods.Request, [], static (service, request, call) => service.RequestAsync(request, call));
            context.AddDuplexStreamingMethod(NacosGrpcMethods.BiRequestStream, [], static (service, input, output, call) => service.BiStreamAsync(input, output, call));
        }
    }
}
