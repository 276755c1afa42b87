using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NacosSync.Core.Naming;
using NacosSync.Nacos.Grpc;
using NacosSync.Nacos.Grpc.Messages;
using NacosSync.Nacos.Transport;

namespace NacosSync.Engine.Naming;

/// <summary>
/// One task's change feed over gRPC (Nacos 2.x/3.x, reference §9): a <c>SubscribeServiceRequest</c> per
/// watched service on the task's own connection, and the <c>NotifySubscriberRequest</c> pushes that follow
/// each change. Subscriptions live with the connection, so nothing is renewed; when the connection is
/// replaced (<see cref="NacosGrpcConnection.Reconnected"/>: the server forgot them all) every service is
/// subscribed again and marked dirty once, since a change during the gap was pushed to nobody.
/// </summary>
/// <remarks>
/// A push only marks its service dirty; the run re-reads it. The pushed ServiceInfo is not the source
/// answer: Nacos builds it with <c>ServiceUtil.selectInstancesWithHealthyProtection(…, enableOnly=true)</c>
/// (PushExecuteTask), which hides disabled instances and, at the protect threshold, shows unhealthy ones
/// healthy. The subscribe answer is <c>ServiceStorage.getData</c> as is (SubscribeServiceRequestHandler,
/// no clusters): its enabled instances are compared with the applied baseline, and only a service whose
/// answer differs is marked dirty (a mismatch of views costs one re-read, never a missed change).
/// </remarks>
internal sealed partial class GrpcServiceSubscriber : IAsyncDisposable
{
    private readonly string _taskName;
    private readonly NacosGrpcConnection _connection;
    private readonly NamingTaskWatch _watch;
    private readonly Action<string, string, string?> _pushed;
    private readonly Action _woken;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _inFlight;
    private readonly ConcurrentDictionary<ServiceKey, long> _subscribed = new();
    private readonly ConcurrentDictionary<ServiceKey, bool> _wanted = new();
    private readonly SemaphoreSlim _work = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pushLoop;
    private readonly Task _subscribeLoop;
    private long _epoch;
    private long _subscribeRequests;
    private long _reconnects;

    /// <param name="pushed">Called with the group, the service name and the namespace (null when the push does not name it) of each push.</param>
    /// <param name="woken">Called after dirty marks, so the owner can start a run at once.</param>
    public GrpcServiceSubscriber(string taskName, NacosGrpcConnection connection, NamingTaskWatch watch, Action<string, string, string?> pushed, Action woken,
        TimeProvider timeProvider, ILogger logger, int maxInFlight)
    {
        _taskName = taskName;
        _connection = connection;
        _watch = watch;
        _pushed = pushed;
        _woken = woken;
        _time = timeProvider;
        _logger = logger;
        _inFlight = Math.Max(1, maxInFlight);
        _connection.Reconnected += OnReconnected;
        _pushLoop = Task.Run(() => ReadPushesAsync(_stop.Token));
        _subscribeLoop = Task.Run(() => SubscribeLoopAsync(_stop.Token));
    }

    public NacosGrpcConnection Connection => _connection;

    /// <summary>Subscribe requests sent since start (tests and the benchmark).</summary>
    public long SubscribeRequests => Interlocked.Read(ref _subscribeRequests);

    /// <summary>Services whose subscription holds on the current connection.</summary>
    public int Subscribed => _subscribed.Count(s => s.Value == Interlocked.Read(ref _epoch));

    /// <summary>Services waiting to be (re)subscribed.</summary>
    public int Waiting => _wanted.Count;

    /// <summary>Asks for a subscription of every service of the watch not yet subscribed on this connection; returns at once.</summary>
    public void EnsureAll()
    {
        var epoch = Interlocked.Read(ref _epoch);
        var added = false;
        foreach (var service in _watch.Services.Keys)
        {
            if ((!_subscribed.TryGetValue(service, out var at) || at != epoch) && _wanted.TryAdd(service, true))
            {
                added = true;
            }
        }

        if (added)
        {
            _work.Release();
        }
    }

    /// <summary>The connection was replaced: the server holds none of our subscriptions, and pushes of the gap went nowhere.</summary>
    private void OnReconnected(GrpcReconnected reconnected)
    {
        Interlocked.Increment(ref _epoch);
        Interlocked.Increment(ref _reconnects);
        var now = _time.GetUtcNow();
        foreach (var track in _watch.Services.Values)
        {
            track.Mark(now);
        }

        LogResubscribing(_logger, _taskName, _watch.Services.Count, reconnected.PreviousConnectionId, reconnected.ConnectionId);
        EnsureAll();
        _woken();
    }

    private async Task SubscribeLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _work.WaitAsync(cancellationToken);
                var batch = _wanted.Keys.ToList();
                var failed = 0;
                await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = _inFlight, CancellationToken = cancellationToken }, async (service, ct) =>
                {
                    if (!await SubscribeAsync(service, ct))
                    {
                        Interlocked.Increment(ref failed);
                    }
                });

                if (failed > 0 || !_wanted.IsEmpty)
                {
                    // Failed ones stay wanted: try again after a pause (the connection may be reconnecting).
                    await Task.Delay(TimeSpan.FromSeconds(failed > 0 ? 1 : 0), _time, cancellationToken);
                    _work.Release();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task<bool> SubscribeAsync(ServiceKey service, CancellationToken cancellationToken)
    {
        var epoch = Interlocked.Read(ref _epoch);
        try
        {
            Interlocked.Increment(ref _subscribeRequests);
            var answer = await _connection.RequestAsync<SubscribeServiceResponse>(new SubscribeServiceRequest
            {
                Namespace = service.Namespace,
                GroupName = service.Group,
                ServiceName = service.Service,
            }, cancellationToken);
            if (Interlocked.Read(ref _epoch) != epoch)
            {
                return false; // answered by a connection that has since been replaced: subscribe again
            }

            _subscribed[service] = epoch;
            _wanted.TryRemove(service, out _);
            if (Interlocked.Read(ref _epoch) != epoch && _wanted.TryAdd(service, true))
            {
                _work.Release(); // a reconnect came between the answer and here: that subscription is gone too
            }

            if (_watch.Services.TryGetValue(service, out var track) && track.AppliedHash != Fingerprint(service, answer.ServiceInfo))
            {
                track.Mark(_time.GetUtcNow());
                _woken();
            }

            return true;
        }
        catch (NacosException ex)
        {
            LogSubscribeFailed(_logger, _taskName, service, ex.Message);
            return false;
        }
    }

    /// <summary>The fingerprint of the subscribe answer as the list call would show it (enabled instances only).</summary>
    internal static long Fingerprint(ServiceKey service, GrpcServiceInfo? info)
    {
        var instances = (info?.Hosts ?? []).Where(h => h.Enabled)
            .Select(h => new NamingInstance(new InstanceKey(service, string.IsNullOrEmpty(h.ClusterName) ? "DEFAULT" : h.ClusterName, h.Ip, h.Port),
                h.Weight, h.Enabled, h.Healthy, h.Ephemeral, h.Metadata))
            .ToList();
        return ServiceFingerprint.Of(new ServiceSnapshot(service, instances));
    }

    private async Task ReadPushesAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var push in _connection.Pushes.ReadAllAsync(cancellationToken))
            {
                if (push.Request is NotifySubscriberRequest notify)
                {
                    var (group, name) = Name(notify);
                    if (name.Length > 0)
                    {
                        _pushed(group, name, string.IsNullOrEmpty(notify.Namespace) ? null : notify.Namespace);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    /// <summary>The pushed service: the request's own names (3.x) or the ServiceInfo's (2.x sends only the ServiceInfo; its name may be grouped).</summary>
    private static (string Group, string Name) Name(NotifySubscriberRequest notify)
    {
        var name = notify.ServiceName ?? notify.ServiceInfo?.Name ?? "";
        var group = notify.GroupName ?? notify.ServiceInfo?.GroupName;
        var separator = name.IndexOf("@@", StringComparison.Ordinal);
        if (separator >= 0)
        {
            group ??= name[..separator];
            name = name[(separator + 2)..];
        }

        return (string.IsNullOrEmpty(group) ? "DEFAULT_GROUP" : group, name);
    }

    public async ValueTask DisposeAsync()
    {
        _connection.Reconnected -= OnReconnected;
        await _stop.CancelAsync();
        await Task.WhenAll(_pushLoop, _subscribeLoop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
        _work.Dispose();
    }

    [LoggerMessage(EventId = 4125, Level = LogLevel.Information,
        Message = "Task {Task}: source gRPC connection replaced ({Previous} → {Current}); subscribing {Count} service(s) again, each re-read once")]
    private static partial void LogResubscribing(ILogger logger, string task, int count, string previous, string current);

    [LoggerMessage(EventId = 4126, Level = LogLevel.Warning, Message = "Task {Task}: subscribing to source service {Service} failed, trying again: {Error}")]
    private static partial void LogSubscribeFailed(ILogger logger, string task, ServiceKey service, string error);
}
