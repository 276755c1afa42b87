using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NacosSync.Core.Options;
using NacosSync.Core.State;

namespace NacosSync.Hosting.HighAvailability;

/// <summary>What a replica does when it takes a task over or loses it (the keeper's replicas, the task's triggers).</summary>
internal interface ITaskHandover
{
    Task AdoptAsync(string task, CancellationToken cancellationToken);

    void Abandon(string task);
}

/// <summary>
/// One owner per task among the replicas, by lease (<see cref="ITaskLeaseStore"/>). Every
/// <see cref="HighAvailabilityOptions.LeaseRenewInterval"/> it announces this replica, renews the leases
/// it holds, takes free or lapsed ones up to its fair share (<see cref="TaskLeasePolicy"/>) and gives one
/// back when over it. A task taken is adopted by every <see cref="ITaskHandover"/> in order (the keeper
/// first: the persisted replicas are beaten before anything else); a task lost is abandoned. When the
/// state database cannot be reached, held tasks stay held (beats of the same replicas from two replicas
/// are harmless; silence is not) until a renewal is refused; writes stay fenced meanwhile.
/// </summary>
internal sealed partial class TaskOwnership : BackgroundService, ITaskOwnership
{
    private readonly ITaskLeaseStore _store;
    private readonly ReplicaIdentity _identity;
    private readonly HighAvailabilityOptions _options;
    private readonly IReadOnlyCollection<string> _tasks;
    private readonly IReadOnlyList<ITaskHandover> _handovers;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, TaskLease> _held = new(StringComparer.Ordinal);
    private DateTimeOffset? _storeWarnedAt;

    public TaskOwnership(ITaskLeaseStore store, ReplicaIdentity identity, HighAvailabilityOptions options, IReadOnlyCollection<string> tasks,
        IEnumerable<ITaskHandover> handovers, TimeProvider timeProvider, ILogger<TaskOwnership> logger)
    {
        _store = store;
        _identity = identity;
        _options = options;
        _tasks = tasks;
        _handovers = [.. handovers];
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public string Replica => _identity.Name;

    /// <summary>The tasks this replica may own (the enabled ones).</summary>
    public IReadOnlyCollection<string> Tasks => _tasks;

    public bool IsOwner(string task) => _held.ContainsKey(task);

    /// <summary>The lease held on a task, for the admin API and tests; null when not owned here.</summary>
    public TaskLease? LeaseOf(string task) => _held.GetValueOrDefault(task);

    public async Task EnsureOwnerAsync(string task, CancellationToken cancellationToken)
    {
        if (!_held.TryGetValue(task, out var lease))
        {
            throw new StaleTaskLeaseException(task, _identity.InstanceId, 0, await _store.GetAsync(task, cancellationToken));
        }

        await _store.EnsureCurrentAsync(lease, cancellationToken);
    }

    /// <summary>One round: announce, renew, take, give back. The loop calls it every renew interval; tests call it by hand.</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        var me = _identity.InstanceId;
        var live = await _store.AnnounceAsync(me, _options.LeaseDuration, cancellationToken);
        foreach (var (task, lease) in _held)
        {
            if (!await _store.RenewAsync(lease, _options.LeaseDuration, cancellationToken))
            {
                Lose(task, "its lease was lost (expired or taken by another replica)");
            }
        }

        var decision = TaskLeasePolicy.Decide(_tasks, await _store.ListAsync(cancellationToken), me, live, _timeProvider.GetUtcNow());
        foreach (var task in decision.Acquire)
        {
            var lease = await _store.TryAcquireAsync(task, me, _options.LeaseDuration, cancellationToken);
            if (lease.Owner == me && _held.TryAdd(task, lease))
            {
                LogAcquired(_logger, task, lease.Token, _identity.Name);
                await AdoptOrGiveBackAsync(task, lease, cancellationToken);
            }
        }

        foreach (var task in decision.Release)
        {
            if (_held.TryGetValue(task, out var lease))
            {
                Lose(task, $"handing it to another replica ({live} alive, fair share {TaskLeasePolicy.FairShare(_tasks.Count, live)})");
                await _store.ReleaseAsync(lease, cancellationToken);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.LeaseRenewInterval, _timeProvider);
        do
        {
            try
            {
                await TickAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The loop boundary: the state database is away or a handover failed; the next tick tries again.
                var now = _timeProvider.GetUtcNow();
                if (_storeWarnedAt is not { } at || now - at >= TimeSpan.FromMinutes(1))
                {
                    _storeWarnedAt = now;
                    LogTickFailed(_logger, ex);
                }
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    /// <summary>On shutdown, gives every held task back at once, so the others take over without waiting for expiry.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        foreach (var (task, lease) in _held)
        {
            Lose(task, "this replica is stopping");
            try
            {
                await _store.ReleaseAsync(lease, cancellationToken);
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException or OperationCanceledException)
            {
                LogReleaseFailed(_logger, task, ex.Message);
            }
        }
    }

    /// <summary>
    /// Adopts a task just taken. A handover that fails (the state database or Quartz's tables away) would leave the task
    /// held without its triggers pinned and without the takeover run its incremental runs wait for
    /// (<see cref="Jobs.ReconciliationGate"/>), so the task is given back: the next round takes it again, adopting afresh.
    /// </summary>
    private async Task AdoptOrGiveBackAsync(string task, TaskLease lease, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var handover in _handovers)
            {
                await handover.AdoptAsync(task, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogAdoptionFailed(_logger, ex, task, lease.Token);
            Lose(task, "taking it over failed");
            await _store.ReleaseAsync(lease, cancellationToken);
        }
    }

    private void Lose(string task, string reason)
    {
        if (_held.TryRemove(task, out var lease))
        {
            LogLost(_logger, task, lease.Token, reason);
            foreach (var handover in _handovers)
            {
                handover.Abandon(task);
            }
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Task {Task}: owned by this replica ({Replica}) from now, lease token {Token}")]
    private static partial void LogAcquired(ILogger logger, string task, long token, string replica);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Task {Task}: no longer owned by this replica (token {Token}): {Reason}")]
    private static partial void LogLost(ILogger logger, string task, long token, string reason);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Task ownership round failed; held tasks stay held until a renewal is refused")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "Task {Task}: taking it over (token {Token}) failed; giving it back to be taken again")]
    private static partial void LogAdoptionFailed(ILogger logger, Exception exception, string task, long token);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Task {Task}: the lease could not be released at shutdown ({Error}); another replica takes it when it lapses")]
    private static partial void LogReleaseFailed(ILogger logger, string task, string error);
}
