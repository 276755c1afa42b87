using System.Text.Json;
using System.Text.Json.Serialization;
using NacosSync.Core.Naming;
using NacosSync.Core.State;

namespace NacosSync.Engine.Naming;

/// <summary>
/// A kept replica as a row of <see cref="StateScope.Replica"/>: keyed by its address, valued with
/// what a keeper needs to beat it (target cluster and every attribute), so a restarted daemon or
/// another replica beats it before its first full run.
/// </summary>
internal static class ReplicaRow
{
    public static StateEntry From(string targetCluster, NamingInstance replica, DateTimeOffset at)
    {
        var key = replica.Key;
        var row = new Row(targetCluster, key.Service.Namespace, key.Service.Group, key.Service.Service, key.Cluster, key.Ip, key.Port,
            replica.Weight, replica.Enabled, replica.Healthy, replica.Metadata);
        return new StateEntry(key.Address.Id, JsonSerializer.Serialize(row, ReplicaRowJson.Default.Row), at);
    }

    public static bool TryRead(StateEntry entry, out string targetCluster, out NamingInstance replica)
    {
        targetCluster = "";
        replica = null!;
        Row? row;
        try
        {
            row = JsonSerializer.Deserialize(entry.Value, ReplicaRowJson.Default.Row);
        }
        catch (JsonException)
        {
            return false;
        }

        if (row is null || string.IsNullOrEmpty(row.TargetCluster) || string.IsNullOrEmpty(row.Ip))
        {
            return false;
        }

        targetCluster = row.TargetCluster;
        var metadata = row.Metadata is null ? NamingInstance.NoMetadata : MetadataPool.Shared.Share(new Dictionary<string, string>(row.Metadata, StringComparer.Ordinal));
        replica = new NamingInstance(new InstanceKey(new ServiceKey(row.Namespace, row.Group, row.Service), MetadataPool.Shared.Share(row.Cluster), row.Ip, row.Port),
            row.Weight, row.Enabled, row.Healthy, Ephemeral: true, metadata);
        return true;
    }

    /// <summary>The row's JSON (property names as written: rows saved by earlier versions read the same).</summary>
    internal sealed record Row(string TargetCluster, string Namespace, string Group, string Service, string Cluster, string Ip, int Port,
        double Weight, bool Enabled, bool Healthy, IReadOnlyDictionary<string, string>? Metadata);
}

/// <summary>
/// Source-generated (de)serialization of <see cref="ReplicaRow.Row"/> with the default options: a full run writes one
/// row per replica (100,000 at a time at scale), and the reflection path had been a tenth of the daemon's CPU there.
/// </summary>
[JsonSerializable(typeof(ReplicaRow.Row))]
internal sealed partial class ReplicaRowJson : JsonSerializerContext;
