using System.Collections.Concurrent;
using System.Diagnostics;
using NacosSync.Bench.Setup;

namespace NacosSync.Bench.Scenarios;

/// <summary>
/// Watches the target for changes written to the source, at a bounded cost so the harness does not become the
/// target's load: every <see cref="Tick"/> one listener probe per target node for all pending configs (each node
/// must serve the new md5), and instance lists of at most <see cref="ServicesPerTick"/> pending services, the
/// longest unpolled first. A change's latency is from just before its source write to the first tick that sees it
/// (resolution one tick while the pending set fits; coarser, and said so in the results, when it does not).
/// A change unseen after <see cref="GiveUp"/> is lost.
/// </summary>
internal sealed class ChangeWatch(SandboxApi target)
{
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
    public const int ServicesPerTick = 20;
    public static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<(string Tenant, string Group, string DataId), PendingConfig> _configs = new();
    private readonly ConcurrentDictionary<(string Namespace, string Service), PendingService> _services = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();

    public ConcurrentBag<double> InstanceLatencies { get; } = [];

    public ConcurrentBag<double> ConfigLatencies { get; } = [];

    public int LostInstances { get; private set; }

    public int LostConfigs { get; private set; }

    /// <summary>Longest time an instance service waited between two polls (the instance figures' resolution).</summary>
    public TimeSpan WorstInstancePollGap { get; private set; }

    public int Pending => _configs.Count + _services.Sum(s => s.Value.Count);

    /// <summary>The watch's clock: read it just before a source write and pass it to ExpectConfig / ExpectInstance.</summary>
    public TimeSpan Now => _clock.Elapsed;

    public void ExpectConfig(SeededConfig config, TimeSpan started) =>
        _configs[(config.Tenant, config.Group, config.DataId)] = new PendingConfig(config.Md5, started, new bool[target.Nodes.Count]);

    public void ExpectInstance(BenchInstance instance, TimeSpan started)
    {
        lock (_gate)
        {
            _services.GetOrAdd((instance.Namespace, instance.Service), _ => new PendingService(Now)).Add(instance, started);
        }
    }

    /// <summary>Runs until cancelled and then until nothing is pending (or the pending changes are given up).</summary>
    public async Task RunAsync(CancellationToken writing, CancellationToken ct)
    {
        while (!writing.IsCancellationRequested || Pending > 0)
        {
            var tick = Task.Delay(Tick, ct);
            await Task.WhenAll(ConfigsAsync(ct), InstancesAsync(ct));
            await tick;
        }
    }

    private async Task ConfigsAsync(CancellationToken ct)
    {
        if (_configs.IsEmpty)
        {
            return;
        }

        var snapshot = _configs.ToArray();
        for (var node = 0; node < target.Nodes.Count; node++)
        {
            var stale = await target.StaleAsync(snapshot.Select(p => (p.Key.Tenant, p.Key.Group, p.Key.DataId, p.Value.Md5)), node, ct);
            foreach (var (key, pending) in snapshot)
            {
                pending.Seen[node] |= !stale.Contains(key);
            }
        }

        var now = Now;
        foreach (var (key, pending) in snapshot)
        {
            if (pending.Seen.All(s => s))
            {
                ConfigLatencies.Add((now - pending.Started).TotalSeconds);
                _configs.TryRemove(key, out _);
            }
            else if (now - pending.Started > GiveUp)
            {
                LostConfigs++;
                _configs.TryRemove(key, out _);
            }
        }
    }

    private async Task InstancesAsync(CancellationToken ct)
    {
        // ConcurrentDictionary's own ToArray takes a consistent copy; LINQ's would copy into an array sized before writers added to it.
        var chosen = _services.ToArray().OrderBy(s => s.Value.LastPolled).Take(ServicesPerTick).ToList();
        await Parallel.ForEachAsync(chosen, ct, async (entry, token) =>
        {
            var polledAt = Now;
            var gap = polledAt - entry.Value.LastPolled;
            var served = (await target.ListAsync(entry.Key.Namespace, entry.Key.Service, node: 0, token)).ToDictionary(i => (i.Ip, i.Port), i => i.Weight);
            var (seen, lost) = entry.Value.Resolve(served, Now, GiveUp);
            entry.Value.LastPolled = polledAt;
            lock (_gate)
            {
                WorstInstancePollGap = entry.Value.Count > 0 || seen.Count > 0 ? TimeSpan.FromTicks(Math.Max(WorstInstancePollGap.Ticks, gap.Ticks)) : WorstInstancePollGap;
                LostInstances += lost;
                foreach (var s in seen)
                {
                    InstanceLatencies.Add(s);
                }
            }
        });
        foreach (var (key, service) in _services.Where(s => s.Value.Count == 0).ToList())
        {
            lock (_gate)
            {
                if (service.Count == 0)
                {
                    _services.TryRemove(key, out _);
                }
            }
        }
    }

    private sealed record PendingConfig(string Md5, TimeSpan Started, bool[] Seen);

    private sealed class PendingService(TimeSpan created)
    {
        private readonly List<(BenchInstance Instance, TimeSpan Started)> _pending = [];
        private readonly Lock _lock = new();

        public TimeSpan LastPolled { get; set; } = created;

        public int Count
        {
            get
            {
                lock (_lock)
                {
                    return _pending.Count;
                }
            }
        }

        public void Add(BenchInstance instance, TimeSpan started)
        {
            lock (_lock)
            {
                _pending.RemoveAll(p => p.Instance.Ip == instance.Ip && p.Instance.Port == instance.Port);
                _pending.Add((instance, started));
            }
        }

        public (List<double> Seen, int Lost) Resolve(Dictionary<(string, int), double> served, TimeSpan now, TimeSpan giveUp)
        {
            lock (_lock)
            {
                var seen = new List<double>();
                var lost = 0;
                _pending.RemoveAll(p =>
                {
                    if (served.TryGetValue((p.Instance.Ip, p.Instance.Port), out var w) && Math.Abs(w - p.Instance.Weight) < 1e-9)
                    {
                        seen.Add((now - p.Started).TotalSeconds);
                        return true;
                    }

                    if (now - p.Started > giveUp)
                    {
                        lost++;
                        return true;
                    }

                    return false;
                });
                return (seen, lost);
            }
        }
    }
}
