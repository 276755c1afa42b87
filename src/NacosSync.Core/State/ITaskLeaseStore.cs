namespace NacosSync.Core.State;

/// <summary>
/// One replica's hold on one task. <see cref="Token"/> is the fencing token: it grows by one every time
/// the task changes hands (or is taken again after expiry), never on renewal, so a write that names an
/// older token comes from an owner that has been replaced.
/// </summary>
/// <param name="Task">The task name.</param>
/// <param name="Owner">The holder's instance id; null when released.</param>
/// <param name="Token">1 for the first owner of a task, then one more per handover.</param>
/// <param name="ExpiresAt">When the lease lapses unless renewed, by the writers' clocks (NTP-synchronized).</param>
public sealed record TaskLease(string Task, string? Owner, long Token, DateTimeOffset ExpiresAt)
{
    public bool IsHeldBy(string owner, DateTimeOffset now) => Owner == owner && ExpiresAt > now;

    public bool IsFree(DateTimeOffset now) => Owner is null || ExpiresAt <= now;
}

/// <summary>A write named a lease that is no longer current: another replica owns the task now.</summary>
public sealed class StaleTaskLeaseException(string task, string owner, long token, TaskLease? current)
    : Exception($"task {task}: this replica ({owner}) holds lease token {token}, which is stale; the store holds "
        + (current?.Owner is null ? $"no owner (token {current?.Token ?? 0})" : $"token {current.Token} of {current.Owner}")
        + "; the write is refused so that the new owner's state is not overwritten")
{
    public string Task { get; } = task;

    public long Token { get; } = token;

    public TaskLease? Current { get; } = current;
}

/// <summary>
/// Task leases and replica membership on the state database (or in memory for a single replica).
/// Every method is compare-and-set on the stored row: two replicas racing for a task end with one owner.
/// The in-memory and MySQL implementations pass the same contract tests.
/// </summary>
public interface ITaskLeaseStore
{
    /// <summary>
    /// Takes <paramref name="task"/> for <paramref name="owner"/> when it has no owner or its lease has
    /// expired (the token grows by one), or renews it when <paramref name="owner"/> already holds it.
    /// </summary>
    /// <returns>The lease as stored after the call: <paramref name="owner"/>'s, or the current holder's.</returns>
    Task<TaskLease> TryAcquireAsync(string task, string owner, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Extends a lease still held with the same token; false when it was lost (expired or taken).</summary>
    Task<bool> RenewAsync(TaskLease lease, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Gives a held lease up at once (shutdown, rebalancing), so another replica need not wait for expiry.</summary>
    Task ReleaseAsync(TaskLease lease, CancellationToken cancellationToken);

    /// <summary>The stored lease of a task; null when it was never taken.</summary>
    Task<TaskLease?> GetAsync(string task, CancellationToken cancellationToken);

    /// <summary>Every stored lease.</summary>
    Task<IReadOnlyList<TaskLease>> ListAsync(CancellationToken cancellationToken);

    /// <summary>The fencing check: throws unless <paramref name="lease"/> is still the stored, unexpired lease of its task.</summary>
    /// <exception cref="StaleTaskLeaseException">Another owner, another token, or expired.</exception>
    Task EnsureCurrentAsync(TaskLease lease, CancellationToken cancellationToken);

    /// <summary>Records that <paramref name="member"/> is alive for <paramref name="duration"/>; returns how many members are alive, itself included.</summary>
    Task<int> AnnounceAsync(string member, TimeSpan duration, CancellationToken cancellationToken);
}
