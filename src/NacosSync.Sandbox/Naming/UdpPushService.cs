using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NacosSync.Sandbox.Hosting;

namespace NacosSync.Sandbox.Naming;

/// <summary>
/// Nacos 1.x-style UDP push: an <c>instance/list</c> call with <c>udpPort</c> &gt; 0 subscribes
/// <c>clientIP:udpPort</c>; every change of the service sends
/// <c>{"type":"dom","data":"&lt;ServiceInfo JSON&gt;","lastRefTime":n}</c>; the client answers a
/// <c>push-ack</c> (read and ignored). A subscription lapses when not renewed within the push
/// client timeout.
/// </summary>
internal sealed class UdpPushService : IDisposable
{
    private readonly UdpClient _socket = new(new IPEndPoint(IPAddress.Any, 0));
    private readonly ConcurrentDictionary<Subscription, DateTimeOffset> _subscriptions = new();
    private readonly NamingStore _store;
    private readonly NacosProfileTraits _traits;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _timeout;
    private long _pushes;

    public UdpPushService(NamingStore store, NacosProfileTraits traits, TimeProvider clock, TimeSpan timeout)
    {
        _store = store;
        _traits = traits;
        _clock = clock;
        _timeout = timeout;
        store.Changed += Push;
    }

    public long PushCount => Interlocked.Read(ref _pushes);

    public int SubscriptionCount => _subscriptions.Count;

    public void Subscribe(ServiceKey service, string clusters, IPEndPoint client) =>
        _subscriptions[new Subscription(service, clusters, client)] = _clock.GetUtcNow();

    public void Expire()
    {
        var now = _clock.GetUtcNow();
        foreach (var (subscription, renewed) in _subscriptions)
        {
            if (now - renewed > _timeout)
            {
                _subscriptions.TryRemove(subscription, out _);
            }
        }
    }

    public void Dispose()
    {
        _store.Changed -= Push;
        _socket.Dispose();
    }

    private void Push(ServiceKey service)
    {
        foreach (var subscription in _subscriptions.Keys)
        {
            if (subscription.Service != service)
            {
                continue;
            }

            var view = _store.List(service, subscription.Clusters, healthyOnly: false);
            var data = Encoding.UTF8.GetString(ServiceInfoJson.Serialize(view, _traits, ServiceInfoJson.PushCacheMillis));
            var packet = NacosResults.Serialize(new { type = "dom", data, lastRefTime = view.LastRefTime });
            var bytes = Encoding.UTF8.GetBytes(packet);
            try
            {
                _socket.Send(bytes, bytes.Length, subscription.Client);
                Interlocked.Increment(ref _pushes);
            }
            catch (SocketException)
            {
                // A push is best effort, as in Nacos: the client's next poll repairs a lost one.
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }

    private readonly record struct Subscription(ServiceKey Service, string Clusters, IPEndPoint Client);
}
