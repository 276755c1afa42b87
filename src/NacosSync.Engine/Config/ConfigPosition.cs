using System.Text.Json;
using System.Text.Json.Serialization;
using NacosSync.Core.Config;

namespace NacosSync.Engine.Config;

/// <summary>
/// The config checkpoint's position: the last <c>his_config_info.nid</c> processed, the newest history time
/// seen (in the clock that wrote the history, where the overlap window is measured), our own clock when the
/// history was read (bounds change times, <see cref="ConfigChangeClock"/>), and when pending keys were last
/// refreshed. Pending keys are not in here: they are rows of their own (<see cref="ConfigRunStateStore"/>), so
/// however many there are the checkpoint stays a few dozen bytes.
/// </summary>
internal sealed record ConfigPosition(long Nid, DateTime HistoryTime, DateTimeOffset? ReadAt = null, DateTimeOffset? PendingRefreshedAt = null)
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a position; also one written before pending keys became rows (its <c>SourceTime</c> and <c>Pending</c> are taken over).</summary>
    public static (ConfigPosition? Position, IReadOnlyList<PendingConfig> LegacyPending) Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, []);
        }

        try
        {
            var stored = JsonSerializer.Deserialize<Stored>(text, Json);
            if (stored is null)
            {
                return (null, []);
            }

            var position = new ConfigPosition(stored.Nid, stored.HistoryTime ?? stored.SourceTime ?? DateTime.MinValue, stored.ReadAt, stored.PendingRefreshedAt);
            IReadOnlyList<PendingConfig> legacy = [.. (stored.Pending ?? []).Select(p => new PendingConfig(new ConfigKey(p.Tenant, p.Group, p.DataId), p.Md5, null))];
            return (position, legacy);
        }
        catch (JsonException)
        {
            return (null, []);
        }
    }

    private sealed record Stored(long Nid, DateTime? HistoryTime, DateTime? SourceTime, DateTimeOffset? ReadAt, DateTimeOffset? PendingRefreshedAt, IReadOnlyList<LegacyPendingKey>? Pending);

    private sealed record LegacyPendingKey(string Tenant, string Group, string DataId, string? Md5);
}
