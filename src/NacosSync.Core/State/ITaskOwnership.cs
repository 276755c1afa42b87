namespace NacosSync.Core.State;

/// <summary>
/// Which tasks this replica owns now: the owner alone beats a task's replicas, runs its jobs and canary,
/// and reports its lag. Writes of the run state are fenced by <see cref="EnsureOwnerAsync"/>.
/// </summary>
public interface ITaskOwnership
{
    /// <summary>This replica's name (the <c>replica</c> label of <c>nacossync_task_owner</c>).</summary>
    string Replica { get; }

    bool IsOwner(string task);

    /// <summary>Throws unless this replica's lease on <paramref name="task"/> is still the stored one.</summary>
    /// <exception cref="StaleTaskLeaseException">Another replica owns the task now, or the lease lapsed.</exception>
    Task EnsureOwnerAsync(string task, CancellationToken cancellationToken);
}

/// <summary>A single replica with no peers (high availability off, the CLI, tests): it owns every task and nothing is fenced.</summary>
public sealed class SoleOwnership(string replica) : ITaskOwnership
{
    public string Replica { get; } = replica;

    public bool IsOwner(string task) => true;

    public Task EnsureOwnerAsync(string task, CancellationToken cancellationToken) => Task.CompletedTask;
}
