using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace NacosSync.Nacos.Grpc;

/// <summary>
/// How to hold a gRPC connection to one Nacos 2.x/3.x cluster. The defaults are the Java client's
/// (<c>DefaultGrpcClientConfig</c> and <c>RpcClient</c> of alibaba/nacos); see docs/grpc.md for why.
/// </summary>
internal sealed record NacosGrpcOptions
{
    /// <summary>The cluster's key in the configuration; used in logs and error messages.</summary>
    public required string Name { get; init; }

    /// <summary>The nodes' HTTP base addresses (<c>http://10.0.0.1:8848</c>), in the order to try them; gRPC is on port + <see cref="PortOffset"/>.</summary>
    public required IReadOnlyList<Uri> Servers { get; init; }

    /// <summary>gRPC port = HTTP port + this. Default 1000 (reference §9).</summary>
    public int PortOffset { get; init; } = 1000;

    /// <summary>The <c>module</c> label: <c>naming</c> or <c>config</c>. Default <c>naming</c>.</summary>
    public string Module { get; init; } = "naming";

    /// <summary>The connection's namespace (<c>ConnectionSetupRequest.tenant</c>). Default empty (public).</summary>
    public string Tenant { get; init; } = "";

    /// <summary>The <c>AppName</c> label. Default <c>nacos-sync</c>.</summary>
    public string AppName { get; init; } = "nacos-sync";

    /// <summary>Sent as <c>clientVersion</c>. Default <c>NacosSync:v</c> + the assembly version.</summary>
    public string ClientVersion { get; init; } = "NacosSync:v" + typeof(NacosGrpcOptions).Assembly.GetName().Version?.ToString(3);

    /// <summary><c>metadata.clientIp</c> of each request. Default the first non-loopback IPv4 address of the host.</summary>
    public string ClientIp { get; init; } = LocalAddress.Value;

    /// <summary>Deadline of one unary call. Default 3 s (<c>timeOutMills</c>).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Deadline of the <c>ServerCheckRequest</c> that opens a connection. Default 3 s (<c>serverCheckTimeOut</c>).</summary>
    public TimeSpan ServerCheckTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long to wait for <c>SetupAckRequest</c> from a 2.3+ server. Default 5 s (<c>capabilityNegotiationTimeout</c>).</summary>
    public TimeSpan SetupAckTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Idle time after which a <c>HealthCheckRequest</c> is sent. Default 5 s (<c>connectionKeepAlive</c>).</summary>
    public TimeSpan HealthCheckInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Deadline of one health check; three attempts before the node is given up. Default 3 s (<c>healthCheckTimeOut</c>).</summary>
    public TimeSpan HealthCheckTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>HTTP/2 PING interval; at least 5 min (the server's <c>permit-keep-alive-time</c>). Default 6 min (<c>channelKeepAlive</c>).</summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromMinutes(6);

    /// <summary>How long a PING may go unanswered before the connection is dropped. Default 20 s (<c>channelKeepAliveTimeout</c>).</summary>
    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Pause after a failed connect in the first round over the nodes; each later round adds as much. Default 100 ms.</summary>
    public TimeSpan ReconnectDelayStep { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest pause between connect attempts. Default 5 s.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Pushes held for the consumer; a push that finds it full is refused so the server sends it again. Default 10,000.</summary>
    public int PushQueueCapacity { get; init; } = 10_000;

    /// <summary>Largest message either way. Default 10 MiB (<c>maxInboundMessageSize</c>).</summary>
    public int MaxMessageSize { get; init; } = 10 * 1024 * 1024;

    /// <summary>Retries of a failed unary call: reads and idempotent writes. Default 2.</summary>
    public int MaxRetries { get; init; } = 2;

    /// <summary>Base delay between retries (exponential with jitter). Default 200 ms.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long the circuit stays open after too many failures. Default 5 s.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The gRPC address of <paramref name="node"/>: same host, port + <see cref="PortOffset"/>, cleartext HTTP/2.</summary>
    public Uri GrpcAddress(Uri node) => new UriBuilder("http", node.Host, node.Port + PortOffset).Uri;

    /// <summary>Fails on a value the connection cannot work with, naming the cluster, the setting and what is allowed.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (Servers.Count == 0)
        {
            problems.Add("Servers is empty: at least one node address is needed");
        }

        if (Module is not ("naming" or "config"))
        {
            problems.Add($"Module is '{Module}': allowed are naming and config");
        }

        if (KeepAlivePingDelay < TimeSpan.FromMinutes(5))
        {
            problems.Add($"KeepAlivePingDelay is {KeepAlivePingDelay}: at least 5 min, else the server answers GOAWAY too_many_pings");
        }

        if (PushQueueCapacity < 1)
        {
            problems.Add($"PushQueueCapacity is {PushQueueCapacity}: at least 1");
        }

        foreach (var (name, value) in new[] { (nameof(RequestTimeout), RequestTimeout), (nameof(ServerCheckTimeout), ServerCheckTimeout),
                     (nameof(SetupAckTimeout), SetupAckTimeout), (nameof(HealthCheckInterval), HealthCheckInterval),
                     (nameof(HealthCheckTimeout), HealthCheckTimeout), (nameof(ReconnectDelayStep), ReconnectDelayStep) })
        {
            if (value <= TimeSpan.Zero)
            {
                problems.Add($"{name} is {value}: it must be positive");
            }
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"gRPC options of cluster '{Name}': {string.Join("; ", problems)}");
        }
    }

    private static readonly Lazy<string> LocalAddress = new(() =>
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Select(a => a.Address)
                .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)?.ToString() ?? "127.0.0.1";
        }
        catch (NetworkInformationException)
        {
            return "127.0.0.1";
        }
    });
}
