using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NacosSync.Core.Naming;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.Engine.Clusters;
using NacosSync.Engine.Sync;
using NacosSync.Nacos.Naming;
using NacosSync.Nacos.Transport;

namespace NacosSync.Engine.Naming;

/// <summary>
/// The Nacos-native change feed for HTTP clients: an <c>instance/list</c> call with <c>udpPort</c> and
/// <c>clientIP</c> subscribes that address to the service's changes (<see cref="UdpPushListener"/>); the
/// subscription lapses unless the call is repeated. A push only marks its service dirty; the incremental
/// run re-lists dirty services and those due for renewal and looks at the target only where the source
/// answer differs from the applied baseline. Baselines are kept in the run-state store
/// (<see cref="StateScope.AppliedBaseline"/>), so a restarted process resumes without re-applying everything.
/// With <paramref name="clusters"/>, a source that is spoken to over gRPC (2.x/3.x) is watched through
/// subscriptions on a connection instead (<see cref="GrpcServiceSubscriber"/>): no renewals.
/// </summary>
internal sealed partial class NamingChangeFeed(IRunStateStore store, TimeProvider timeProvider, ILogger<NamingChangeFeed> logger, NamingChangeFeedOptions? options = null,
    ClusterRegistry? clusters = null, SyncWakes? wakes = null) : IDisposable
{
    private readonly NamingChangeFeedOptions _options = options ?? new NamingChangeFeedOptions();
    private readonly ConcurrentDictionary<string, NamingTaskWatch> _tasks = new(StringComparer.Ordinal);
    private readonly AppliedBaselines _baselines = new(store, timeProvider);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Pushes received since start, all tasks (benchmark and tests).</summary>
    public long PushesReceived => _tasks.Values.Sum(t => Interlocked.Read(ref t.Pushes));

    /// <summary>Whether the feed watches the task's services (after a complete full run, or resumed from the store).</summary>
    public bool IsWatching(string taskName) => _tasks.TryGetValue(taskName, out var watch) && watch.Ready;

    /// <summary>Whether an incremental tick should run the start-up full run now (at most every <see cref="NamingChangeFeedOptions.StartFullRunRetry"/>).</summary>
    public bool TryStartFullRun(string taskName)
    {
        var watch = _tasks.GetOrAdd(taskName, _ => new NamingTaskWatch());
        var now = timeProvider.GetUtcNow();
        lock (watch)
        {
            if (watch.StartFullTriedAt is { } last && now - last < _options.StartFullRunRetry)
            {
                return false;
            }

            watch.StartFullTriedAt = now;
            return true;
        }
    }

    /// <summary>Resumes watching from the applied baselines in the store (a restart); false when there are none (a full run must come first).</summary>
    public async Task<bool> ResumeAsync(NamingTask task, CancellationToken cancellationToken)
    {
        var baselines = await _baselines.LoadAsync(task.StateKey, cancellationToken);
        if (baselines.Count == 0)
        {
            return false;
        }

        var watch = _tasks.GetOrAdd(task.Name, _ => new NamingTaskWatch());
        foreach (var (service, hash) in baselines)
        {
            watch.Services.TryAdd(service, new ServiceWatch(DateTimeOffset.MinValue, hash, hash));
        }

        lock (watch)
        {
            watch.Namespaces = task.Mapper.ConfiguredSourceNamespaces;
            watch.EveryNamespace = task.Mapper.ConfiguredSourceNamespaces.Count == 0;
            watch.LastListing = DateTimeOffset.MinValue; // list at once: services may have come or gone while we were down
            watch.Ready = true;
        }

        LogResumed(logger, task.Name, watch.Services.Count);
        return true;
    }

    /// <summary>
    /// After a complete full run: the in-scope source services, all watched from now on. Services in
    /// <paramref name="pending"/> (a write failed, or a removal waits in grace) get no baseline and stay dirty since then.
    /// </summary>
    public async Task FullRunCompletedAsync(NamingTask task, IEnumerable<ServiceBaseline> sourceServices, IReadOnlyList<string> sourceNamespaces, bool everyNamespace,
        IReadOnlyDictionary<ServiceKey, DateTimeOffset> pending, CancellationToken cancellationToken)
    {
        var watch = _tasks.GetOrAdd(task.Name, _ => new NamingTaskWatch());
        var keep = new HashSet<ServiceKey>();
        foreach (var service in sourceServices)
        {
            keep.Add(service.Key);
            watch.Services.GetOrAdd(service.Key, _ => new ServiceWatch(DateTimeOffset.MinValue))
                .FullRunApplied(service.Hash, pending.TryGetValue(service.Key, out var since) ? since : null);
        }

        var deletes = new List<string>();
        foreach (var stale in watch.Services.Keys.Where(k => !keep.Contains(k)).ToList())
        {
            if (watch.Services.TryRemove(stale, out var gone) && gone.PersistedHash is not null)
            {
                deletes.Add(stale.ToString());
            }
        }

        lock (watch)
        {
            watch.Namespaces = [.. sourceNamespaces];
            watch.EveryNamespace = everyNamespace;
            watch.LastListing = timeProvider.GetUtcNow();
            watch.LastGroupDiscovery = watch.LastListing; // the full run read the catalog of every group
            watch.Ready = true;
        }

        await _baselines.SaveAsync(task.StateKey, watch.Services, keep, deletes, cancellationToken);
    }

    /// <summary>The services an incremental run should re-read now: pushed, new, vanished, or due for renewal.</summary>
    public async Task<NamingChangeBatch> TakeAsync(NamingTask task, CancellationToken cancellationToken)
    {
        if (!_tasks.TryGetValue(task.Name, out var watch) || !watch.Ready)
        {
            return new NamingChangeBatch([], new Dictionary<ServiceKey, DateTimeOffset>(), null);
        }

        await ChooseFeedAsync(task, watch, cancellationToken);
        var now = timeProvider.GetUtcNow();
        List<(ServiceKey Key, DateTimeOffset DirtySince)> Dirty() =>
            [.. watch.Services.Where(s => s.Value.DirtySince is not null).Select(s => (s.Key, s.Value.DirtySince!.Value))];
        var dirty = Dirty();
        if (now - watch.LastListing >= _options.ListingInterval)
        {
            // Listing every service (10,000 at workload L) takes seconds: changes already pushed do not wait behind it. It
            // runs beside them and wakes the task when it finds a new or vanished service; with nothing waiting it is awaited.
            var listing = StartListing(task, watch, now);
            if (dirty.Count == 0)
            {
                await listing.WaitAsync(cancellationToken);
                dirty = Dirty();
            }
        }

        var renews = watch.Subscriber is null; // gRPC subscriptions live with the connection
        watch.Subscriber?.EnsureAll();

        // The oldest changes first; then, on the UDP feed, subscriptions due for renewal.
        var batch = new List<ServiceKey>();
        var changedAt = new Dictionary<ServiceKey, DateTimeOffset>();
        foreach (var (service, since) in dirty.OrderBy(d => d.DirtySince).Take(_options.MaxBatch))
        {
            batch.Add(service);
            changedAt[service] = since;
        }

        if (renews)
        {
            foreach (var (service, track) in watch.Services)
            {
                if (batch.Count >= _options.MaxBatch)
                {
                    break;
                }

                if (track.DirtySince is null && !changedAt.ContainsKey(service) && now - track.RenewedAt >= _options.RenewInterval)
                {
                    batch.Add(service);
                }
            }
        }

        return new NamingChangeBatch(batch, changedAt, OldestPending(task.Name));
    }

    /// <summary>The task's listing in progress, or a new one; on its own token (it outlives the run that started it).</summary>
    private Task StartListing(NamingTask task, NamingTaskWatch watch, DateTimeOffset now)
    {
        lock (watch)
        {
            if (watch.Listing is { IsCompleted: false } running)
            {
                return running;
            }

            var knownGroups = NamespaceReader.KnownGroups(task.Options, target: false);
            return watch.Listing = Task.Run(async () =>
            {
                if (await RefreshListingAsync(task, watch, knownGroups, now, _stopping.Token))
                {
                    Wake(task.Name);
                }
            });
        }
    }

    /// <summary>Lists a service with the task's push subscription; <c>Changed</c> is false when the answer equals the applied baseline.</summary>
    public async Task<(ServiceInstancesRead Read, bool Changed)> ListAndSubscribeAsync(NamingTask task, ServiceKey service, CancellationToken cancellationToken)
    {
        var watch = _tasks[task.Name];
        var track = watch.Services.GetOrAdd(service, _ => new ServiceWatch(DateTimeOffset.MinValue));
        track.ReadStarted();
        var read = await task.Source.ListInstancesAsync(service, cancellationToken, watch.Listener?.Port ?? 0, watch.Listener?.ClientIp);
        return (read, track.ReadReturned(ServiceFingerprint.Of(read.Service), timeProvider.GetUtcNow()));
    }

    /// <summary>Marks services applied: their answers become the baseline (in the store too); pushes that came during the run keep them dirty.</summary>
    public async Task CompletedAsync(NamingTask task, IEnumerable<ServiceKey> services, CancellationToken cancellationToken)
    {
        if (!_tasks.TryGetValue(task.Name, out var watch))
        {
            return;
        }

        var applied = new HashSet<ServiceKey>();
        var deletes = new List<string>();
        foreach (var service in services)
        {
            if (watch.Services.TryGetValue(service, out var track))
            {
                track.Applied();
                applied.Add(service);
                if (track.Vanished && track.PendingIsEmpty && track.DirtySince is null && watch.Services.TryRemove(service, out _) && track.PersistedHash is not null)
                {
                    deletes.Add(service.ToString());
                    applied.Remove(service);
                }
            }
        }

        await _baselines.SaveAsync(task.StateKey, watch.Services, applied, deletes, cancellationToken);
    }

    /// <summary>Keeps services dirty (their apply failed, or a removal waits in grace) so the next run takes them again.</summary>
    public void KeepPending(string taskName, IReadOnlyDictionary<ServiceKey, DateTimeOffset> pending)
    {
        if (_tasks.TryGetValue(taskName, out var watch))
        {
            foreach (var (service, since) in pending)
            {
                watch.Services.GetOrAdd(service, _ => new ServiceWatch(DateTimeOffset.MinValue)).Mark(since);
            }
        }
    }

    /// <summary>When the oldest change not yet applied was pushed (or found); null when none is pending.</summary>
    public DateTimeOffset? OldestPending(string taskName) =>
        _tasks.TryGetValue(taskName, out var watch) ? watch.Services.Values.Select(t => t.DirtySince).Where(d => d is not null).DefaultIfEmpty(null).Min() : null;

    /// <summary>
    /// A push named <paramref name="group"/>@@<paramref name="service"/>: where it does not name the namespace (UDP, and
    /// 2.x gRPC, which sends only the ServiceInfo), the service is marked in every watched one.
    /// </summary>
    internal void Pushed(string taskName, string group, string service, string? namespaceId = null)
    {
        if (!_tasks.TryGetValue(taskName, out var watch))
        {
            return;
        }

        Interlocked.Increment(ref watch.Pushes);
        var now = timeProvider.GetUtcNow();
        if (namespaceId is not null)
        {
            // gRPC: the push names its namespace, so one lookup (a scan of every watched service per push cost O(services)).
            if (watch.Services.TryGetValue(new ServiceKey(namespaceId, group, service), out var one))
            {
                one.Mark(now);
            }
        }
        else
        {
            // UDP: the push names no namespace; the service is dirty in every namespace that has it.
            foreach (var (key, track) in watch.Services)
            {
                if (key.Service == service && key.Group == group)
                {
                    track.Mark(now);
                }
            }
        }

        Wake(taskName);
    }

    /// <summary>A push (or a reconnect) made services of the task dirty: asks for an incremental run now, not at the next tick.</summary>
    private void Wake(string taskName) => wakes?.Request(taskName, SyncKind.Naming);

    public void Dispose()
    {
        _stopping.Cancel();
        foreach (var watch in _tasks.Values)
        {
            watch.Listener?.Dispose();
            watch.Subscriber?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Lists every service of the task's source namespaces; true when it marked a service new or vanished.</summary>
    private async Task<bool> RefreshListingAsync(NamingTask task, NamingTaskWatch watch, IReadOnlyCollection<string> knownGroups, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var source = task.Source;
        var marked = false;
        try
        {
            var namespaces = watch.EveryNamespace ? [.. (await source.ListNamespacesAsync(cancellationToken)).Select(n => n.Id)] : watch.Namespaces;
            var listed = new HashSet<ServiceKey>();
            var complete = true;
            foreach (var ns in namespaces)
            {
                if (watch.Subscriber is { } subscriber && now - watch.LastGroupDiscovery < _options.GroupDiscoveryInterval)
                {
                    complete &= await GrpcServiceLister.ListAsync(subscriber.Connection, ns, GroupsOf(watch, ns, knownGroups), listed, _options.ListPageSize, cancellationToken);
                }
                else
                {
                    listed.UnionWith(await source.ListServicesAsync(ns, cancellationToken, knownGroups));
                }
            }

            if (watch.Subscriber is not null && now - watch.LastGroupDiscovery >= _options.GroupDiscoveryInterval)
            {
                watch.LastGroupDiscovery = now;
            }

            foreach (var service in listed)
            {
                var fresh = new ServiceWatch(DateTimeOffset.MinValue);
                if (watch.Services.TryAdd(service, fresh))
                {
                    fresh.Mark(now);
                    marked = true;
                    LogNewService(logger, service);
                }
            }

            foreach (var (service, track) in watch.Services)
            {
                // A listing whose pages did not add up (the set changed while paging) marks nothing vanished.
                if (complete && !listed.Contains(service) && !track.Vanished)
                {
                    track.Vanished = true;
                    track.Mark(now);
                    marked = true;
                }
            }

            watch.LastListing = now;
        }
        catch (NacosException ex)
        {
            // The renewals still run; the listing is tried again next time.
            LogListingFailed(logger, ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The feed is being disposed.
        }

        return marked;
    }

    private void EnsureListener(NamingTask task, NamingTaskWatch watch)
    {
        lock (watch)
        {
            watch.Listener ??= new UdpPushListener(task.Name, _options.ClientIp ?? UdpPushListener.LocalAddressTowards(task.Source.Transport.PreferredServer),
                (group, service) => Pushed(task.Name, group, service), logger);
        }
    }

    /// <summary>The watched groups of a namespace, with the task's known ones: what the gRPC listing asks for (one group per request).</summary>
    private static List<string> GroupsOf(NamingTaskWatch watch, string ns, IReadOnlyCollection<string> knownGroups) =>
        [.. watch.Services.Keys.Where(k => k.Namespace == ns).Select(k => k.Group).Concat(knownGroups).Distinct(StringComparer.Ordinal)];

    [LoggerMessage(EventId = 4122, Level = LogLevel.Information, Message = "New source service {Service}: watched from now on")]
    private static partial void LogNewService(ILogger logger, ServiceKey service);

    [LoggerMessage(EventId = 4123, Level = LogLevel.Warning, Message = "Listing source services failed: {Error}")]
    private static partial void LogListingFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 4124, Level = LogLevel.Information, Message = "Task {Task}: resumed watching {Count} source service(s) from their applied baselines")]
    private static partial void LogResumed(ILogger logger, string task, int count);
}
