namespace NacosSync.Core.State;

/// <summary>Task leases of a single process (no state database, unit tests): the same contract as the MySQL store.</summary>
public sealed class InMemoryTaskLeaseStore(TimeProvider timeProvider) : ITaskLeaseStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, TaskLease> _leases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _members = new(StringComparer.Ordinal);

    public Task<TaskLease> TryAcquireAsync(string task, string owner, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(task);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        cancellationToken.ThrowIfCancellationRequested();
        var now = timeProvider.GetUtcNow();
        lock (_lock)
        {
            var current = _leases.GetValueOrDefault(task);
            if (current is null || current.IsFree(now))
            {
                current = new TaskLease(task, owner, (current?.Token ?? 0) + 1, now + duration);
            }
            else if (current.Owner == owner)
            {
                current = current with { ExpiresAt = now + duration };
            }

            _leases[task] = current;
            return Task.FromResult(current);
        }
    }

    public Task<bool> RenewAsync(TaskLease lease, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        cancellationToken.ThrowIfCancellationRequested();
        var now = timeProvider.GetUtcNow();
        lock (_lock)
        {
            if (!IsCurrent(lease, now))
            {
                return Task.FromResult(false);
            }

            _leases[lease.Task] = lease with { ExpiresAt = now + duration };
            return Task.FromResult(true);
        }
    }

    public Task ReleaseAsync(TaskLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var now = timeProvider.GetUtcNow();
        lock (_lock)
        {
            if (_leases.TryGetValue(lease.Task, out var current) && current.Owner == lease.Owner && current.Token == lease.Token)
            {
                _leases[lease.Task] = current with { Owner = null, ExpiresAt = now };
            }
        }

        return Task.CompletedTask;
    }

    public Task<TaskLease?> GetAsync(string task, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_leases.GetValueOrDefault(task));
        }
    }

    public Task<IReadOnlyList<TaskLease>> ListAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<TaskLease> all = [.. _leases.Values.OrderBy(l => l.Task, StringComparer.Ordinal)];
            return Task.FromResult(all);
        }
    }

    public Task EnsureCurrentAsync(TaskLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var now = timeProvider.GetUtcNow();
        lock (_lock)
        {
            if (!IsCurrent(lease, now))
            {
                throw new StaleTaskLeaseException(lease.Task, lease.Owner ?? "-", lease.Token, _leases.GetValueOrDefault(lease.Task));
            }
        }

        return Task.CompletedTask;
    }

    public Task<int> AnnounceAsync(string member, TimeSpan duration, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        lock (_lock)
        {
            _members[member] = now + duration;
            return Task.FromResult(_members.Values.Count(expires => expires > now));
        }
    }

    private bool IsCurrent(TaskLease lease, DateTimeOffset now) =>
        _leases.TryGetValue(lease.Task, out var current) && current.Owner is not null && current.Owner == lease.Owner
        && current.Token == lease.Token && current.ExpiresAt > now;
}
