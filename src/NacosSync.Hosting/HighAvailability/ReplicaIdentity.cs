using System.Security.Cryptography;
using NacosSync.Core.Options;

namespace NacosSync.Hosting.HighAvailability;

/// <summary>
/// Who this process is among the replicas: <see cref="Name"/> for people (metrics, logs), and
/// <see cref="InstanceId"/>, unique per process, for Quartz's cluster and the task leases. A restarted
/// pod keeps its name but gets a new id, so it never takes a lease or a firing for its predecessor's.
/// </summary>
internal sealed record ReplicaIdentity(string Name, string InstanceId)
{
    public static ReplicaIdentity Create(HighAvailabilityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var name = options.ReplicaName;
        if (string.IsNullOrWhiteSpace(name))
        {
            name = Environment.GetEnvironmentVariable("HOSTNAME");
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            name = Environment.MachineName;
        }

        // 48 random bits: two processes of one pod name never collide in practice.
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        return new ReplicaIdentity(name, $"{name}-{suffix}");
    }

    public override string ToString() => InstanceId;
}
