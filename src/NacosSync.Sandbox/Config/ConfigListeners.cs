namespace NacosSync.Sandbox.Config;

/// <summary>The long-polling listeners waiting on one node's cache.</summary>
internal sealed class ConfigListeners
{
    private readonly Lock _gate = new();
    private readonly List<Waiter> _waiters = [];

    public ConfigListeners(ConfigCache cache) => cache.Changed += Notify;

    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiters.Count;
            }
        }
    }

    /// <summary>Completes with the first of <paramref name="keys"/> to change, or null after <paramref name="timeout"/>.</summary>
    public async Task<ConfigKey?> WaitAsync(IReadOnlyCollection<ConfigKey> keys, TimeSpan timeout, CancellationToken ct)
    {
        var waiter = new Waiter([.. keys], new TaskCompletionSource<ConfigKey>(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_gate)
        {
            _waiters.Add(waiter);
        }

        try
        {
            using var stopDelay = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var delay = Task.Delay(timeout, stopDelay.Token);
            var first = await Task.WhenAny(waiter.Changed.Task, delay);
            await stopDelay.CancelAsync();
            return first == waiter.Changed.Task ? await waiter.Changed.Task : null;
        }
        finally
        {
            lock (_gate)
            {
                _waiters.Remove(waiter);
            }
        }
    }

    private void Notify(ConfigKey key)
    {
        lock (_gate)
        {
            foreach (var waiter in _waiters)
            {
                if (waiter.Keys.Contains(key))
                {
                    waiter.Changed.TrySetResult(key);
                }
            }
        }
    }

    private sealed record Waiter(HashSet<ConfigKey> Keys, TaskCompletionSource<ConfigKey> Changed);
}
