using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NacosSync.Core.Naming;
using NacosSync.Core.Sync;
using NacosSync.Nacos.Naming;
using NacosSync.Nacos.Transport;

namespace NacosSync.Engine.Naming;

/// <summary>
/// Applies allowed changes to the target with bounded concurrency. Removals are final: the keeper
/// forgets each replica (in memory and in the run-state store, after any beat in flight has returned)
/// before it is deregistered, so no beat of this process, and no other process that reads the store,
/// brings it back. Under <c>ReplicaHolding: Connection</c> ephemeral replicas are written as their services'
/// batches on the daemon's connection (ReplicaWriter.Connection.cs); persistent ones and kind changes go over HTTP.
/// </summary>
internal sealed partial class ReplicaWriter(ReplicaKeeper keeper, ILogger logger)
{
    private const int WriteConcurrency = 16;

    /// <summary>Applies <paramref name="changes"/>; returns the addresses whose write failed (they stay pending).</summary>
    public async Task<IReadOnlySet<InstanceAddress>> ApplyAsync(NamingTask task, IReadOnlyList<NamingChange> changes, NamingRunTally tally, CancellationToken cancellationToken)
    {
        var failed = new ConcurrentDictionary<InstanceAddress, bool>();
        var forget = changes.Where(c => c.Kind == NamingChangeKind.Remove || (c.Kind == NamingChangeKind.Update && c.Current!.Ephemeral != c.Instance.Ephemeral))
            .Select(c => c.Instance.Key.Address).ToList();
        if (forget.Count > 0)
        {
            try
            {
                await keeper.ForgetAsync(task.Name, forget, cancellationToken);
            }
            catch (Exception ex) when (NamingCheckpoints.IsStoreFailure(ex))
            {
                // Unless the kept set in the store says they are gone, another process could bring them back:
                // leave these removals (and kind changes) for a later run; everything else goes on.
                tally.Error(SyncStage.Write, $"{forget.Count} removal(s) postponed: the replicas could not be taken out of the kept set in the run-state store: {ex.Message}");
                var postponed = forget.ToHashSet();
                changes = [.. changes.Where(c => !postponed.Contains(c.Instance.Key.Address))];
                foreach (var address in postponed)
                {
                    failed[address] = true; // pending: the next run tries again
                }
            }
        }

        if (keeper.HoldsOnConnection(task.Name))
        {
            changes = await ApplyOnConnectionAsync(task, changes, failed, tally, cancellationToken);
        }

        var mixingReported = new ConcurrentDictionary<ServiceKey, bool>();
        await Parallel.ForEachAsync(changes, new ParallelOptions { MaxDegreeOfParallelism = WriteConcurrency, CancellationToken = cancellationToken }, async (change, ct) =>
        {
            try
            {
                await ApplyOneAsync(task.Target, change, ct);
                tally.Applied(change.Kind);
            }
            catch (NacosRejectedException ex) when (ex.ServerMessage.Contains("can't register", StringComparison.Ordinal))
            {
                failed[change.Instance.Key.Address] = true;
                tally.WriteFailed();
                var service = change.Instance.Key.Service;
                if (mixingReported.TryAdd(service, true))
                {
                    tally.Error(SyncStage.Write, $"service {service} in '{task.TargetCluster}' holds the other kind of instance; Nacos 2.x does not mix ephemeral and persistent "
                        + $"instances in one service, so its replicas cannot be written (server: {ex.ServerMessage}). Remove the target service or change Naming:ReplicaMode.",
                        service.ToString());
                    LogMixing(logger, task.Name, service, ex.ServerMessage);
                }
            }
            catch (NacosException ex)
            {
                failed[change.Instance.Key.Address] = true;
                tally.WriteFailed();
                tally.Error(SyncStage.Write, $"{change.Kind} {change.Instance.Key}: {ex.Message}", change.Instance.Key.ToString());
            }
        });

        return failed.Keys.ToHashSet();
    }

    private static async Task ApplyOneAsync(NacosNamingClient target, NamingChange change, CancellationToken cancellationToken)
    {
        var replica = change.Instance;
        switch (change.Kind)
        {
            case NamingChangeKind.Add:
                await target.RegisterAsync(replica, cancellationToken);
                await MirrorPersistentHealthAsync(target, replica, current: null, cancellationToken);
                break;
            case NamingChangeKind.Update:
                var current = change.Current!;
                // Weight, enabled or added/changed metadata only: the overlay (PUT) alone gives what reads serve, one
                // request instead of register + overlay (reference §1: reads merge the overlay into the registration).
                if (IsOverlayChange(current, replica) && await TryOverlayAsync(target, replica, cancellationToken))
                {
                    await MirrorPersistentHealthAsync(target, replica, current, cancellationToken);
                    break;
                }

                if (current.Ephemeral != replica.Ephemeral)
                {
                    await target.DeregisterAsync(current, cancellationToken);
                }

                await target.RegisterAsync(replica, cancellationToken);

                // A hand-made overlay (PUT) outlives re-registration: overwrite it with the wanted values.
                if (current.Ephemeral == replica.Ephemeral && (Math.Abs(current.Weight - replica.Weight) > 1e-6 || current.Enabled != replica.Enabled
                    || !NamingInstance.MetadataEquals(current.Metadata, replica.Metadata)))
                {
                    await target.UpdateAsync(replica, cancellationToken);
                }

                await MirrorPersistentHealthAsync(target, replica, current, cancellationToken);
                break;
            case NamingChangeKind.Remove:
                await target.DeregisterAsync(replica, cancellationToken);
                break;
        }
    }

    /// <summary>
    /// True when <paramref name="replica"/> differs from what the target serves only in what an overlay sets: weight, enabled,
    /// metadata values or keys added. A metadata key to remove needs re-registration with the full map (an overlay merges, it
    /// cannot remove), and a kind change needs deregistration first.
    /// </summary>
    internal static bool IsOverlayChange(NamingInstance current, NamingInstance replica) =>
        current.Ephemeral == replica.Ephemeral && current.Metadata.Keys.All(replica.Metadata.ContainsKey);

    /// <summary>The overlay write; false when the target no longer has the instance (it expired or was removed since the read): register it whole.</summary>
    private static async Task<bool> TryOverlayAsync(NacosNamingClient target, NamingInstance replica, CancellationToken cancellationToken)
    {
        try
        {
            await target.UpdateAsync(replica, cancellationToken);
            return true;
        }
        catch (NacosRejectedException ex) when (ex.ServerMessage.Contains("not exist", StringComparison.OrdinalIgnoreCase)
                                                || ex.ServerMessage.Contains("not found", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
    }

    private static async Task MirrorPersistentHealthAsync(NacosNamingClient target, NamingInstance replica, NamingInstance? current, CancellationToken cancellationToken)
    {
        if (!replica.Ephemeral && (current is null ? !replica.Healthy : current.Healthy != replica.Healthy))
        {
            await target.SetHealthAsync(replica, cancellationToken);
        }
    }

    [LoggerMessage(EventId = 4104, Level = LogLevel.Error, Message = "Task {Task}: service {Service} cannot take these replicas (2.x no-mixing rule): {ServerMessage}")]
    private static partial void LogMixing(ILogger logger, string task, ServiceKey service, string serverMessage);
}
