using System.Text;

namespace NacosSync.Core.State;

/// <summary>What one replica does with the task leases at one tick.</summary>
/// <param name="Acquire">Free or lapsed tasks to take, best first.</param>
/// <param name="Release">Tasks held beyond the fair share to hand back (at most one per tick, so a joining replica takes them over one by one).</param>
public sealed record LeaseDecision(IReadOnlyList<string> Acquire, IReadOnlyList<string> Release);

/// <summary>
/// The spreading rule: with <c>n</c> live replicas and <c>t</c> tasks, a replica holds at most
/// <c>ceil(t / n)</c> tasks; it takes free ones while under that and gives one back per tick while over it.
/// Replicas rank free tasks by a hash of (task, replica) (rendezvous hashing), so two replicas starting
/// together prefer different tasks instead of racing for the same ones.
/// </summary>
public static class TaskLeasePolicy
{
    public static int FairShare(int tasks, int liveReplicas) => tasks == 0 ? 0 : (tasks + Math.Max(1, liveReplicas) - 1) / Math.Max(1, liveReplicas);

    public static LeaseDecision Decide(IReadOnlyCollection<string> tasks, IReadOnlyList<TaskLease> leases, string me, int liveReplicas, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(leases);
        var byTask = leases.ToDictionary(l => l.Task, StringComparer.Ordinal);
        var share = FairShare(tasks.Count, liveReplicas);
        var held = tasks.Where(t => byTask.TryGetValue(t, out var l) && l.IsHeldBy(me, now)).ToList();
        var free = tasks.Where(t => !byTask.TryGetValue(t, out var l) || l.IsFree(now)).OrderByDescending(t => Score(t, me)).ThenBy(t => t, StringComparer.Ordinal).ToList();

        var acquire = free.Take(Math.Max(0, share - held.Count)).ToList();
        var release = held.Count > share && liveReplicas > 1
            ? held.OrderBy(t => Score(t, me)).ThenBy(t => t, StringComparer.Ordinal).Take(1).ToList()
            : [];
        return new LeaseDecision(acquire, release);
    }

    /// <summary>
    /// FNV-1a over "replica\0task" with a SplitMix64 finaliser: stable across processes and runtimes (unlike
    /// string.GetHashCode), and names that differ in one character still rank tasks independently.
    /// </summary>
    internal static ulong Score(string task, string replica)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(replica + "\0" + task))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        hash = (hash ^ (hash >> 30)) * 0xBF58476D1CE4E5B9UL;
        hash = (hash ^ (hash >> 27)) * 0x94D049BB133111EBUL;
        return hash ^ (hash >> 31);
    }
}
