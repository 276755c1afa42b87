using System.Collections.Concurrent;
using System.Globalization;
using NacosSync.Core.Naming;
using NacosSync.Core.State;

namespace NacosSync.Engine.Naming;

/// <summary>
/// The per-service applied baselines of a task in the run-state store (<see cref="StateScope.AppliedBaseline"/>): the
/// fingerprint of the source answer last applied, so a restarted process (or another replica) resumes watching without
/// re-applying everything. Only baselines that changed since they were last persisted are written.
/// </summary>
internal sealed class AppliedBaselines(IRunStateStore store, TimeProvider timeProvider)
{
    /// <summary>The persisted baselines of a task; rows that do not parse are skipped (the service is then looked at again).</summary>
    public async Task<IReadOnlyList<(ServiceKey Service, long Hash)>> LoadAsync(StateKey task, CancellationToken cancellationToken)
    {
        var rows = await store.LoadEntriesAsync(task, StateScope.AppliedBaseline, cancellationToken);
        var baselines = new List<(ServiceKey, long)>(rows.Count);
        foreach (var row in rows)
        {
            if (ServiceKey.TryParse(row.Key, out var service) && long.TryParse(row.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var hash))
            {
                baselines.Add((service, hash));
            }
        }

        return baselines;
    }

    /// <summary>Persists the baselines of <paramref name="services"/> that changed, and removes <paramref name="deletes"/> (and services left without one).</summary>
    public async Task SaveAsync(StateKey task, ConcurrentDictionary<ServiceKey, ServiceWatch> watched, IEnumerable<ServiceKey> services, List<string> deletes, CancellationToken cancellationToken)
    {
        var upserts = new List<(ServiceWatch Track, StateEntry Row)>();
        var now = timeProvider.GetUtcNow();
        foreach (var service in services)
        {
            if (watched.TryGetValue(service, out var track) && track.AppliedHash != track.PersistedHash)
            {
                if (track.AppliedHash is { } hash)
                {
                    upserts.Add((track, new StateEntry(service.ToString(), hash.ToString(CultureInfo.InvariantCulture), now)));
                }
                else
                {
                    deletes.Add(service.ToString()); // no baseline: a restarted process must look at it again
                    track.PersistedHash = null;
                }
            }
        }

        if (upserts.Count == 0 && deletes.Count == 0)
        {
            return;
        }

        await store.WriteEntriesAsync(task, StateScope.AppliedBaseline, [.. upserts.Select(u => u.Row)], deletes, cancellationToken);
        foreach (var (track, row) in upserts)
        {
            track.PersistedHash = long.Parse(row.Value, CultureInfo.InvariantCulture);
        }
    }
}
