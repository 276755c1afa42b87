using System.Collections.Concurrent;
using NacosSync.Bench.Setup;

namespace NacosSync.Bench.Scenarios;

/// <summary>
/// What the source holds now (every instance's weight, every config's md5), kept by the scenarios as they write,
/// and the check that the target serves exactly that, read through the target's API (configs: on every node).
/// </summary>
internal sealed class TargetState(Workload workload, IReadOnlyList<SeededConfig> configs)
{
    private readonly double[] _weights = Enumerable.Repeat(1.0, workload.Instances).ToArray();
    private readonly SeededConfig[] _configs = [.. configs];

    public Workload Workload => workload;

    public double Weight(int instance) => _weights[instance];

    public void SetWeight(int instance, double weight) => _weights[instance] = weight;

    public SeededConfig Config(int index) => _configs[index];

    public void SetConfig(int index, SeededConfig config) => _configs[index] = config;

    /// <summary>Instances of services <paramref name="services"/> the target does not serve with the source's weight.</summary>
    public async Task<int> MissingInstancesAsync(SandboxApi target, IEnumerable<int> services, CancellationToken ct, ConcurrentBag<string>? samples = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        var missing = 0;
        await Parallel.ForEachAsync(services, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (s, token) =>
        {
            var first = Seeder.Instance(workload, s * workload.InstancesPerService, 1);
            var served = (await target.ListAsync(first.Namespace, first.Service, s, token))
                .ToDictionary(i => (i.Ip, i.Port), i => i.Weight);
            var wrong = 0;
            for (var k = 0; k < workload.InstancesPerService; k++)
            {
                var n = (s * workload.InstancesPerService) + k;
                var want = Seeder.Instance(workload, n, _weights[n]);
                if (!served.TryGetValue((want.Ip, want.Port), out var weight) || Math.Abs(weight - want.Weight) > 1e-9)
                {
                    wrong++;
                    if (samples is { Count: < 50 })
                    {
                        samples.Add($"{first.Namespace}/{first.Service} {want.Ip}:{want.Port} (instance {n}): want weight {want.Weight}, target "
                            + (served.ContainsKey((want.Ip, want.Port)) ? $"serves {weight}" : "does not serve it") + $" ({served.Count} served)");
                    }
                }
            }

            Interlocked.Add(ref missing, wrong);
        });
        return missing;
    }

    /// <summary>Every instance of the workload the target does not serve with the source's weight; the first 50 described in <paramref name="samples"/>.</summary>
    public Task<int> MissingInstancesAsync(SandboxApi target, CancellationToken ct, ConcurrentBag<string>? samples = null) =>
        MissingInstancesAsync(target, Enumerable.Range(0, workload.Services), ct, samples);

    /// <summary>Configs some target node does not serve with the source's md5 (listener probes of 500 keys, no hold).</summary>
    public async Task<int> StaleConfigsAsync(SandboxApi target, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(target);
        var stale = new ConcurrentDictionary<(int Node, int Chunk), int>();
        var chunks = _configs.Select(c => (c.Tenant, c.Group, c.DataId, c.Md5)).Chunk(500).ToList();
        var work = Enumerable.Range(0, target.Nodes.Count).SelectMany(node => chunks.Select((chunk, i) => (node, i, chunk)));
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (w, token) =>
            stale[(w.node, w.i)] = (await target.StaleAsync(w.chunk, w.node, token)).Count);
        // A key stale on both nodes counts twice: the figure is (node, key) pairs, zero when converged.
        return stale.Values.Sum();
    }
}
