using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using NacosSync.Core.Naming;
using NacosSync.Core.Options;
using NacosSync.Nacos.Naming;

namespace NacosSync.Engine.Naming;

/// <summary>Tuning of the <see cref="NamingChangeFeed"/>.</summary>
internal sealed record NamingChangeFeedOptions
{
    /// <summary>
    /// How often each subscription is renewed by repeating the list call. Nacos forgets a push client
    /// not heard from within its push cache time (10 s by default). Default 7.5 s.
    /// </summary>
    public TimeSpan RenewInterval { get; init; } = TimeSpan.FromSeconds(7.5);

    /// <summary>How often the source's service names are listed to find new and vanished services. Default 30 s.</summary>
    public TimeSpan ListingInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most services one incremental run re-reads. Default 2,000.</summary>
    public int MaxBatch { get; init; } = 2_000;

    /// <summary>The address the source nodes push to; null finds the local address that routes to the source.</summary>
    public string? ClientIp { get; init; }
}

/// <summary>Services one incremental run should re-read, and when each changed (pushed) first.</summary>
internal sealed record NamingChangeBatch(IReadOnlyList<ServiceKey> Services, IReadOnlyDictionary<ServiceKey, DateTimeOffset> ChangedAt, DateTimeOffset? OldestPending);

/// <summary>
/// The Nacos-native change feed for HTTP clients: UDP push. An <c>instance/list</c> call with
/// <c>udpPort</c> and <c>clientIP</c> subscribes that address to the service's changes; each change
/// arrives as <c>{"type":"dom"|"service","data":"&lt;ServiceInfo JSON&gt;","lastRefTime":n}</c>
/// (gzip-compressed when large), answered with a <c>push-ack</c>; the subscription lapses unless the
/// list call is repeated within the server's push client timeout (checked against the Java
/// client's PushReceiver and HostReactor). One socket per task. A push only marks its service
/// dirty; the incremental run re-lists dirty services and those whose subscription is due (the
/// safety net for lost datagrams and for servers that never push), and diffs a service against the
/// target only when its source answer changed, so work follows changes, not registry size.
/// </summary>
internal sealed partial class NamingChangeFeed : IDisposable
{
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly NamingChangeFeedOptions _options;
    private readonly ConcurrentDictionary<string, TaskFeed> _tasks = new(StringComparer.Ordinal);

    public NamingChangeFeed(TimeProvider timeProvider, ILogger<NamingChangeFeed> logger, NamingChangeFeedOptions? options = null)
    {
        _timeProvider = timeProvider;
        _logger = logger;
        _options = options ?? new NamingChangeFeedOptions();
    }

    /// <summary>Pushes received since start, all tasks (benchmark and tests).</summary>
    public long PushesReceived => _tasks.Values.Sum(t => Interlocked.Read(ref t.Pushes));

    /// <summary>After a complete full run: the in-scope source services, all to be watched from now on.</summary>
    public void FullRunCompleted(string taskName, IEnumerable<ServiceSnapshot> sourceServices, IEnumerable<string> sourceNamespaces, bool everyNamespace)
    {
        var feed = _tasks.GetOrAdd(taskName, _ => new TaskFeed());
        var now = _timeProvider.GetUtcNow();
        lock (feed)
        {
            feed.Namespaces = [.. sourceNamespaces];
            feed.EveryNamespace = everyNamespace;
            feed.LastListing = now;
            feed.Ready = true;
            var keep = new HashSet<ServiceKey>();
            foreach (var service in sourceServices)
            {
                keep.Add(service.Key);

                // Subscribed by the next incremental run (due at once). The full run applied this state, so it is
                // the baseline; the list call hides disabled instances, so the baseline leaves them out too.
                var track = feed.Services.GetOrAdd(service.Key, _ => new ServiceTrack { RenewedAt = DateTimeOffset.MinValue });
                track.AppliedHash = Fingerprint(service with { Instances = [.. service.Instances.Where(i => i.Enabled)] });
            }

            foreach (var stale in feed.Services.Keys.Where(k => !keep.Contains(k)).ToList())
            {
                feed.Services.TryRemove(stale, out _);
            }
        }
    }

    /// <summary>Whether a complete full run of this process has told the feed what to watch for the task.</summary>
    public bool IsWatching(string taskName) => _tasks.TryGetValue(taskName, out var feed) && feed.Ready;

    /// <summary>Forgets a task's watch state (its next full run starts it again).</summary>
    public void Reset(string taskName)
    {
        if (_tasks.TryRemove(taskName, out var feed))
        {
            feed.Dispose();
        }
    }

    /// <summary>The services an incremental run should re-read now: pushed, new, vanished, or due for renewal.</summary>
    public async Task<NamingChangeBatch> TakeAsync(string taskName, SyncTaskOptions task, NacosNamingClient source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (!_tasks.TryGetValue(taskName, out var feed) || !feed.Ready)
        {
            return new NamingChangeBatch([], new Dictionary<ServiceKey, DateTimeOffset>(), null);
        }

        EnsureSocket(taskName, feed, source);
        var now = _timeProvider.GetUtcNow();
        if (now - feed.LastListing >= _options.ListingInterval)
        {
            await RefreshListingAsync(feed, source, NamingSyncRunner.KnownGroups(task, target: false), now, cancellationToken);
        }

        var batch = new List<ServiceKey>();
        var changedAt = new Dictionary<ServiceKey, DateTimeOffset>();
        foreach (var (service, track) in feed.Services.OrderBy(s => s.Value.DirtySince ?? DateTimeOffset.MaxValue))
        {
            if (batch.Count >= _options.MaxBatch)
            {
                break;
            }

            if (track.DirtySince is { } dirty)
            {
                batch.Add(service);
                changedAt[service] = dirty;
            }
            else if (now - track.RenewedAt >= _options.RenewInterval)
            {
                batch.Add(service);
            }
        }

        feed.TakenAt = now;
        return new NamingChangeBatch(batch, changedAt, OldestPending(taskName));
    }

    /// <summary>Lists a service with the task's push subscription; <c>Changed</c> is false when the answer equals the last applied one.</summary>
    public async Task<(ServiceInstancesRead Read, bool Changed)> ListAndSubscribeAsync(string taskName, NacosNamingClient source, ServiceKey service, CancellationToken cancellationToken)
    {
        var feed = _tasks[taskName];
        var read = await source.ListInstancesAsync(service, cancellationToken, feed.Port, feed.ClientIp);
        var hash = Fingerprint(read.Service);
        var track = feed.Services.GetOrAdd(service, _ => new ServiceTrack());
        track.RenewedAt = _timeProvider.GetUtcNow();
        track.PendingHash = hash;
        if (track.AppliedHash != hash && track.DirtySince is null)
        {
            // A change found by listing (no push came) is pending like a pushed one until applied: it is
            // taken again at every run and counts in the lag, even if applying it fails this time.
            track.DirtySince = track.RenewedAt;
        }

        return (read, track.DirtySince is not null || track.AppliedHash != hash);
    }

    /// <summary>Marks services applied: their pushes up to the batch's start are done, their answers are the new baseline.</summary>
    public void Completed(string taskName, IEnumerable<ServiceKey> services)
    {
        if (!_tasks.TryGetValue(taskName, out var feed))
        {
            return;
        }

        foreach (var service in services)
        {
            if (feed.Services.TryGetValue(service, out var track))
            {
                track.AppliedHash = track.PendingHash;
                if (track.DirtySince is { } dirty && dirty <= feed.TakenAt)
                {
                    track.DirtySince = null;
                }

                if (track.Vanished && track.PendingHash == EmptyFingerprint)
                {
                    feed.Services.TryRemove(service, out _);
                }
            }
        }
    }

    /// <summary>When the oldest change not yet applied was pushed (or found); null when none is pending.</summary>
    public DateTimeOffset? OldestPending(string taskName) =>
        _tasks.TryGetValue(taskName, out var feed) ? feed.Services.Values.Select(t => t.DirtySince).Where(d => d is not null).DefaultIfEmpty(null).Min() : null;

    public void Dispose()
    {
        foreach (var feed in _tasks.Values)
        {
            feed.Dispose();
        }
    }

    private static readonly long EmptyFingerprint = Fingerprint(new ServiceSnapshot(default, []));

    /// <summary>An order-independent fingerprint of a service's instances and their attributes.</summary>
    private static long Fingerprint(ServiceSnapshot service)
    {
        long sum = service.Instances.Count;
        foreach (var instance in service.Instances)
        {
            var hash = new HashCode();
            hash.Add(instance.Key.Cluster, StringComparer.Ordinal);
            hash.Add(instance.Key.Ip, StringComparer.Ordinal);
            hash.Add(instance.Key.Port);
            hash.Add(instance.Weight);
            hash.Add(instance.Enabled);
            hash.Add(instance.Healthy);
            foreach (var (key, value) in instance.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                hash.Add(key, StringComparer.Ordinal);
                hash.Add(value, StringComparer.Ordinal);
            }

            sum += hash.ToHashCode() * 2654435761L;
        }

        return sum;
    }

    private async Task RefreshListingAsync(TaskFeed feed, NacosNamingClient source, IReadOnlyCollection<string> knownGroups, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            var namespaces = feed.EveryNamespace ? [.. (await source.ListNamespacesAsync(cancellationToken)).Select(n => n.Id)] : feed.Namespaces;
            var listed = new HashSet<ServiceKey>();
            foreach (var ns in namespaces)
            {
                listed.UnionWith(await source.ListServicesAsync(ns, cancellationToken, knownGroups));
            }

            foreach (var service in listed)
            {
                if (feed.Services.TryAdd(service, new ServiceTrack { DirtySince = now, RenewedAt = DateTimeOffset.MinValue }))
                {
                    LogNewService(_logger, service);
                }
            }

            foreach (var (service, track) in feed.Services)
            {
                if (!listed.Contains(service) && !track.Vanished)
                {
                    track.Vanished = true;
                    track.DirtySince ??= now;
                }
            }

            feed.LastListing = now;
        }
        catch (NacosSync.Nacos.Transport.NacosException ex)
        {
            // The renewals still run; the listing is tried again next time.
            LogListingFailed(_logger, ex.Message);
        }
    }

    private void EnsureSocket(string taskName, TaskFeed feed, NacosNamingClient source)
    {
        lock (feed)
        {
            if (feed.Socket is not null)
            {
                return;
            }

            var server = source.Transport.PreferredServer;
            feed.ClientIp = _options.ClientIp ?? LocalAddressTowards(server);
            var socket = new UdpClient(new IPEndPoint(IPAddress.Any, 0));
            feed.Socket = socket;
            feed.Port = ((IPEndPoint)socket.Client.LocalEndPoint!).Port;
            feed.Receiver = Task.Run(() => ReceiveAsync(taskName, feed, socket, feed.Stopping.Token));
            LogListening(_logger, taskName, feed.ClientIp, feed.Port);
        }
    }

    /// <summary>The local address the OS would use to reach the server (a connected UDP socket sends nothing).</summary>
    private static string LocalAddressTowards(Uri server)
    {
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

    private async Task ReceiveAsync(string taskName, TaskFeed feed, UdpClient socket, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            UdpReceiveResult packet;
            try
            {
                packet = await socket.ReceiveAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // an ICMP error from an earlier ack; keep listening
            }

            try
            {
                var json = Decode(packet.Buffer);
                using var document = JsonDocument.Parse(json);
                var root = document.RootElement;
                var type = root.TryGetProperty("type", out var t) ? t.GetString() : null;
                var lastRefTime = root.TryGetProperty("lastRefTime", out var l) ? l.ToString() : "0";
                if (type is "dom" or "service" && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.String)
                {
                    MarkDirty(feed, data.GetString()!);
                }

                var ack = Encoding.UTF8.GetBytes($"{{\"type\":\"{(type is "dom" or "service" ? "push-ack" : "unknown-ack")}\",\"lastRefTime\":\"{lastRefTime}\",\"data\":\"\"}}");
                await socket.SendAsync(ack, packet.RemoteEndPoint, cancellationToken);
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException or SocketException or InvalidOperationException)
            {
                LogBadPush(_logger, taskName, packet.RemoteEndPoint.ToString(), ex.Message);
            }
        }
    }

    private void MarkDirty(TaskFeed feed, string serviceInfoJson)
    {
        using var info = JsonDocument.Parse(serviceInfoJson);
        var name = info.RootElement.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
        var separator = name.IndexOf("@@", StringComparison.Ordinal);
        var group = separator >= 0 ? name[..separator] : "DEFAULT_GROUP";
        var service = separator >= 0 ? name[(separator + 2)..] : name;
        var now = _timeProvider.GetUtcNow();
        Interlocked.Increment(ref feed.Pushes);

        // The push does not name the namespace: mark the service in every watched namespace (a spare re-list is cheap).
        foreach (var (key, track) in feed.Services)
        {
            if (key.Service == service && key.Group == group)
            {
                track.DirtySince ??= now;
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

    private sealed class ServiceTrack
    {
        public DateTimeOffset RenewedAt { get; set; }

        /// <summary>When a push (or the listing) first said it changed since it was last applied.</summary>
        public DateTimeOffset? DirtySince { get; set; }

        public long? AppliedHash { get; set; }

        public long? PendingHash { get; set; }

        /// <summary>No longer in the source's service list: dropped once it reads empty and is applied.</summary>
        public bool Vanished { get; set; }
    }

    private sealed class TaskFeed : IDisposable
    {
        public long Pushes;

        public ConcurrentDictionary<ServiceKey, ServiceTrack> Services { get; } = new();

        public IReadOnlyList<string> Namespaces { get; set; } = [];

        public bool EveryNamespace { get; set; }

        public bool Ready { get; set; }

        public DateTimeOffset LastListing { get; set; }

        public DateTimeOffset TakenAt { get; set; }

        public UdpClient? Socket { get; set; }

        public int Port { get; set; }

        public string ClientIp { get; set; } = "127.0.0.1";

        public Task? Receiver { get; set; }

        public CancellationTokenSource Stopping { get; } = new();

        public void Dispose()
        {
            Stopping.Cancel();
            Socket?.Dispose();
            Stopping.Dispose();
        }
    }

    [LoggerMessage(EventId = 4120, Level = LogLevel.Information, Message = "Task {Task}: listening for UDP pushes on {ClientIp}:{Port}")]
    private static partial void LogListening(ILogger logger, string task, string clientIp, int port);

    [LoggerMessage(EventId = 4121, Level = LogLevel.Warning, Message = "Task {Task}: unreadable push from {From}: {Error}")]
    private static partial void LogBadPush(ILogger logger, string task, string from, string error);

    [LoggerMessage(EventId = 4122, Level = LogLevel.Information, Message = "New source service {Service}: watched from now on")]
    private static partial void LogNewService(ILogger logger, ServiceKey service);

    [LoggerMessage(EventId = 4123, Level = LogLevel.Warning, Message = "Listing source services failed: {Error}")]
    private static partial void LogListingFailed(ILogger logger, string error);
}
