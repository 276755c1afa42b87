using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace NacosSync.Engine.Naming;

/// <summary>
/// One task's UDP socket for Nacos pushes. Each change arrives as
/// <c>{"type":"dom"|"service","data":"&lt;ServiceInfo JSON&gt;","lastRefTime":n}</c> (gzip when large) and
/// is answered with a <c>push-ack</c> (checked against the Java client's PushReceiver). A push only names
/// its service (<c>GROUP@@name</c>, no namespace); what it means is the feed's business.
/// </summary>
internal sealed partial class UdpPushListener : IDisposable
{
    private readonly UdpClient _socket;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger _logger;
    private readonly string _taskName;
    private readonly Action<string, string> _pushed;

    /// <param name="pushed">Called with the group and service name of every push.</param>
    public UdpPushListener(string taskName, string clientIp, Action<string, string> pushed, ILogger logger)
    {
        _taskName = taskName;
        _pushed = pushed;
        _logger = logger;
        ClientIp = clientIp;
        _socket = new UdpClient(new IPEndPoint(IPAddress.Any, 0));
        Port = ((IPEndPoint)_socket.Client.LocalEndPoint!).Port;
        _ = Task.Run(() => ReceiveAsync(_stopping.Token));
        LogListening(_logger, taskName, clientIp, Port);
    }

    /// <summary>The address the source nodes push to.</summary>
    public string ClientIp { get; }

    public int Port { get; }

    /// <summary>The local address the OS would use to reach the server (a connected UDP socket sends nothing).</summary>
    public static string LocalAddressTowards(Uri server)
    {
        ArgumentNullException.ThrowIfNull(server);
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            var address = Dns.GetHostAddresses(server.Host).First(a => a.AddressFamily == AddressFamily.InterNetwork);
            probe.Connect(address, server.Port);
            return ((IPEndPoint)probe.LocalEndPoint!).Address.ToString();
        }
        catch (Exception ex) when (ex is SocketException or InvalidOperationException)
        {
            return "127.0.0.1";
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _socket.Dispose();
        _stopping.Dispose();
    }

    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            UdpReceiveResult packet;
            try
            {
                packet = await _socket.ReceiveAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // an ICMP error from an earlier ack; keep listening
            }

            try
            {
                using var document = JsonDocument.Parse(Decode(packet.Buffer));
                var root = document.RootElement;
                var type = root.TryGetProperty("type", out var t) ? t.GetString() : null;
                var lastRefTime = root.TryGetProperty("lastRefTime", out var l) ? l.ToString() : "0";
                if (type is "dom" or "service" && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.String)
                {
                    using var info = JsonDocument.Parse(data.GetString()!);
                    var name = info.RootElement.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
                    var separator = name.IndexOf("@@", StringComparison.Ordinal);
                    _pushed(separator >= 0 ? name[..separator] : "DEFAULT_GROUP", separator >= 0 ? name[(separator + 2)..] : name);
                }

                var ack = Encoding.UTF8.GetBytes($"{{\"type\":\"{(type is "dom" or "service" ? "push-ack" : "unknown-ack")}\",\"lastRefTime\":\"{lastRefTime}\",\"data\":\"\"}}");
                await _socket.SendAsync(ack, packet.RemoteEndPoint, cancellationToken);
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException or SocketException or InvalidOperationException)
            {
                LogBadPush(_logger, _taskName, packet.RemoteEndPoint.ToString(), ex.Message);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
        }
    }

    private static string Decode(byte[] buffer)
    {
        if (buffer.Length > 2 && buffer[0] == 0x1f && buffer[1] == 0x8b)
        {
            using var input = new GZipStream(new MemoryStream(buffer), CompressionMode.Decompress);
            using var reader = new StreamReader(input, Encoding.UTF8);
            return reader.ReadToEnd().Trim();
        }

        return Encoding.UTF8.GetString(buffer).Trim('\0', ' ', '\n', '\r');
    }

    [LoggerMessage(EventId = 4120, Level = LogLevel.Information, Message = "Task {Task}: listening for UDP pushes on {ClientIp}:{Port}")]
    private static partial void LogListening(ILogger logger, string task, string clientIp, int port);

    [LoggerMessage(EventId = 4121, Level = LogLevel.Warning, Message = "Task {Task}: unreadable push from {From}: {Error}")]
    private static partial void LogBadPush(ILogger logger, string task, string from, string error);
}
