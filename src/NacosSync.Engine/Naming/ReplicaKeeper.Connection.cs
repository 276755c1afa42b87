using Microsoft.Extensions.Logging;
using NacosSync.Core.Options;
using NacosSync.Core.State;
using NacosSync.Core.Sync;

namespace NacosSync.Engine.Naming;

/// <summary>
/// Which tasks hold their replicas on a connection (<see cref="ReplicaHolding.Connection"/>), and which of those a
/// process that does not own them mirrors from the run-state store (high availability on: every such task).
/// </summary>
internal sealed record ReplicaHoldingPlan(IReadOnlySet<string> ConnectionTasks, IReadOnlySet<string> StandbyTasks, TimeSpan StandbyRefresh)
{
    public static ReplicaHoldingPlan None { get; } = new(new HashSet<string>(), new HashSet<string>(), TimeSpan.FromSeconds(2));

    /// <param name="standby">True with high availability: this process mirrors the Connection tasks it does not own.</param>
    public static ReplicaHoldingPlan For(NacosSyncOptions options, bool standby)
    {
        ArgumentNullException.ThrowIfNull(options);
        var connection = options.Tasks.Where(t => t.Value.Enabled && t.Value.Naming.Enabled && t.Value.Naming.ReplicaMode == ReplicaMode.Ephemeral
            && t.Value.Naming.ReplicaHolding == ReplicaHolding.Connection).Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
        return new ReplicaHoldingPlan(connection, standby ? connection : new HashSet<string>(StringComparer.Ordinal), options.HighAvailability.StandbyRefreshInterval);
    }

    public bool HoldsOnConnection(string task) => ConnectionTasks.Contains(task);
}

/// <summary>
/// The keeper's side of <see cref="ReplicaHolding.Connection"/>: the kept set (tracked, persisted and restored as for
/// heartbeats) is handed to the <see cref="ConnectionReplicaHolder"/> instead of the beat scheduler; every tick sends
/// what changed (at most every <see cref="ConnectionRetry"/>) and, on a standby, mirrors the set the owner saved.
/// </summary>
internal sealed partial class ReplicaKeeper
{
    /// <summary>How often services whose batch failed or is not yet sent are tried by the loop.</summary>
    public static readonly TimeSpan ConnectionRetry = TimeSpan.FromSeconds(1);

    private Task _flushing = Task.CompletedTask;
    private Task _mirroring = Task.CompletedTask;
    private long _flushedAt;
    private long _mirroredAt;

    /// <summary>The replicas held on connections (ReplicaHolding Connection).</summary>
    public ConnectionReplicaHolder Holder => _holder;

    /// <summary>Whether <paramref name="task"/> holds its replicas on a connection.</summary>
    public bool HoldsOnConnection(string task) => _holding.HoldsOnConnection(task);

    /// <summary>
    /// A standby's round: reads the replica set each Connection task's owner saved and holds the same batches here
    /// (tasks this process owns are skipped), then sends what changed. The loop runs it every
    /// <see cref="ReplicaHoldingPlan.StandbyRefresh"/>; tests call it by hand.
    /// </summary>
    public async Task MirrorStandbyAsync(CancellationToken cancellationToken)
    {
        foreach (var task in _holding.StandbyTasks.Where(_holder.Mirrors))
        {
            var replicas = new List<(string, Core.Naming.NamingInstance)>();
            foreach (var row in await _store.LoadEntriesAsync(new StateKey(task, SyncKind.Naming), StateScope.Replica, cancellationToken))
            {
                if (ReplicaRow.TryRead(row, out var cluster, out var replica))
                {
                    replicas.Add((cluster, replica));
                }
            }

            _holder.Mirror(task, replicas);
        }

        await _holder.FlushDirtyAsync(cancellationToken);
    }

    private void Released(KeptReplica entry)
    {
        if (_holding.HoldsOnConnection(entry.Id.Task))
        {
            _holder.Release(entry.Id.Task, entry.TargetCluster, entry.Id.Address);
        }
    }

    /// <summary>This process owns the task now: its own replicas are held (restored); what it mirrored for it goes.</summary>
    private void Adopted(string task)
    {
        _holder.StopMirroring(task);
        KickFlush();
    }

    /// <summary>
    /// Another process owns the task now. A standby keeps holding its replicas, as mirrored ones (the new owner holds
    /// them too, and the next mirror round follows what it saves); without high availability they are let go.
    /// </summary>
    private void Abandoned(string task, IReadOnlyCollection<KeptReplica> entries)
    {
        if (!_holding.HoldsOnConnection(task))
        {
            return;
        }

        if (_holding.StandbyTasks.Contains(task))
        {
            _holder.StartMirroring(task);
            _holder.Mirror(task, [.. entries.Select(e => (e.TargetCluster, e.Replica))]);
        }

        foreach (var entry in entries)
        {
            _holder.Release(task, entry.TargetCluster, entry.Id.Address);
        }

        KickFlush();
    }

    /// <summary>From the loop: sends dirty batches (every <see cref="ConnectionRetry"/>) and runs the standby's round, each in the background, one at a time.</summary>
    private void TickConnections(CancellationToken stoppingToken)
    {
        if (_holding.ConnectionTasks.Count == 0)
        {
            return;
        }

        var now = _timeProvider.GetTimestamp();
        if (_holding.StandbyTasks.Count > 0 && _mirroring.IsCompleted && _timeProvider.GetElapsedTime(_mirroredAt, now) >= _holding.StandbyRefresh)
        {
            _mirroredAt = now;
            _mirroring = Task.Run(() => MirrorGuardedAsync(stoppingToken), CancellationToken.None);
        }

        if (_holder.DirtyCount > 0 && _flushing.IsCompleted && _timeProvider.GetElapsedTime(_flushedAt, now) >= ConnectionRetry)
        {
            _flushedAt = now;
            _flushing = Task.Run(() => _holder.FlushDirtyAsync(stoppingToken), CancellationToken.None);
        }
    }

    private void KickFlush()
    {
        if (_flushing.IsCompleted)
        {
            _flushedAt = _timeProvider.GetTimestamp();
            _flushing = Task.Run(() => _holder.FlushDirtyAsync(CancellationToken.None), CancellationToken.None);
        }
    }

    private async Task MirrorGuardedAsync(CancellationToken stoppingToken)
    {
        try
        {
            await MirrorStandbyAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
        catch (Exception ex) when (NamingCheckpoints.IsStoreFailure(ex))
        {
            LogMirrorFailed(_logger, ex.Message);
        }
    }

    [LoggerMessage(EventId = 4173, Level = LogLevel.Warning, Message = "Standby: the replica sets of tasks owned elsewhere cannot be read ({Error}); holding what was read last")]
    private static partial void LogMirrorFailed(ILogger logger, string error);
}
