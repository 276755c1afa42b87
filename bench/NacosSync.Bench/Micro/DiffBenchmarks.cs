using BenchmarkDotNet.Attributes;
using NacosSync.Core.Config;
using NacosSync.Core.Naming;

namespace NacosSync.Bench.Micro;

/// <summary>
/// The pure diffs at 100,000 objects, no I/O: what the daemon's CPU does per full run once both sides are read.
/// Naming: 100,000 wanted replicas against the same 100,000 in the target (1 % with another weight).
/// Config: two key-ordered streams of 100,000 digests, 1 % with another md5.
/// </summary>
[MemoryDiagnoser]
public class DiffBenchmarks
{
    public const int Objects = 100_000;

    private List<NamingInstance> _wanted = [];
    private List<NamingInstance> _target = [];
    private ReplicaOwner _owner = new("bench", "bench-source");
    private ConfigDigest[] _source = [];
    private ConfigDigest[] _targetConfigs = [];

    [GlobalSetup]
    public void Setup()
    {
        _owner = new ReplicaOwner("bench", "bench-source");
        var metadata = _owner.Stamp(new Dictionary<string, string>(StringComparer.Ordinal) { ["zone"] = "z1", ["app"] = "bench" });
        _wanted = [.. Enumerable.Range(0, Objects).Select(i => Instance(i, 1, metadata))];
        _target = [.. Enumerable.Range(0, Objects).Select(i => Instance(i, i % 100 == 0 ? 2 : 1, metadata))];
        var attributes = new ConfigAttributes("yaml", "bench", "", "", "");
        _source = [.. Enumerable.Range(0, Objects)
            .Select(i => new ConfigDigest(new ConfigKey(i % 5 == 0 ? "" : $"ns-{i % 5}", $"GROUP_{i % 20:D2}", $"service-{i:D6}.yaml"), $"{i:x32}", attributes))
            .OrderBy(d => d.Key, ConfigKeyComparer.Instance)];
        _targetConfigs = [.. _source.Select((d, i) => i % 100 == 0 ? d with { Md5 = "drift" + d.Md5 } : d)];
    }

    [Benchmark(Description = "NamingDiff.Compute, 100,000 instances, 1 % updates")]
    public int NamingDiff100k() => NamingDiff.Compute(_wanted, _target, _owner).Changes.Count;

    [Benchmark(Description = "ConfigDiff.DiffAsync, 100,000 digests, 1 % drift")]
    public async Task<int> ConfigDiff100k()
    {
        var n = 0;
        await foreach (var _ in ConfigDiff.DiffAsync(ToAsync(_source), ToAsync(_targetConfigs), CancellationToken.None))
        {
            n++;
        }

        return n;
    }

    private static NamingInstance Instance(int i, double weight, IReadOnlyDictionary<string, string> metadata) =>
        new(new InstanceKey(new ServiceKey(i % 5 == 0 ? "public" : $"ns-{i % 5}", "DEFAULT_GROUP", $"svc-{i / 10:D5}"), "DEFAULT", $"10.{i / 2500 % 250}.{i / 10 % 250}.{(i % 10) + 1}", 8080 + (i / 625_000)),
            weight, true, true, true, metadata);

#pragma warning disable CS1998 // An in-memory stream: the diff's own awaits are what is measured.
    private static async IAsyncEnumerable<ConfigDigest> ToAsync(ConfigDigest[] digests)
#pragma warning restore CS1998
    {
        foreach (var d in digests)
        {
            yield return d;
        }
    }
}
