using System.Text.Json;
using System.Text.Json.Serialization;
using NacosSync.Core.Config;

namespace NacosSync.Engine.Config;

/// <summary>
/// The config checkpoint: the last <c>his_config_info.nid</c> processed, the source database's time
/// when it was read (the overlap window starts before it), and target keys written but not yet
/// proven on every node (re-verified at the next run, never dropped).
/// </summary>
internal sealed record ConfigPosition(long Nid, DateTime SourceTime, IReadOnlyList<PendingKey> Pending)
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Pending keys kept at most; beyond this the next run is a full one.</summary>
    public const int MaxPending = 1_000;

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    public static ConfigPosition? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ConfigPosition>(text, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>A target key still to be proven, with the md5 it must show (null: must be absent).</summary>
internal sealed record PendingKey(string Tenant, string Group, string DataId, string? Md5)
{
    public ConfigKey Key => new(Tenant, Group, DataId);
}
