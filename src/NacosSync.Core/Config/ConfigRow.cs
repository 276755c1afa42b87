namespace NacosSync.Core.Config;

/// <summary>
/// The attributes of a config compared besides its content. Tags are sorted and comma-joined so
/// two rows with the same tags compare equal whatever order the relation table returned them in.
/// </summary>
public sealed record ConfigAttributes(string Type, string AppName, string Description, string Tags, string EncryptedDataKey)
{
    public static ConfigAttributes Empty { get; } = new("", "", "", "", "");

    /// <summary>Normalizes tags as Nacos stores them: split on commas, trimmed, empty dropped, sorted, de-duplicated.</summary>
    public static string NormalizeTags(string? tags)
    {
        if (string.IsNullOrWhiteSpace(tags))
        {
            return "";
        }

        var parts = tags.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        return string.Join(',', parts);
    }
}

/// <summary>
/// What the diff reads of a row: its key, the md5 of its content and its attributes, never the
/// content (the diff fetches contents only for the keys that differ).
/// </summary>
public sealed record ConfigDigest(ConfigKey Key, string Md5, ConfigAttributes Attributes)
{
    /// <summary>True when the two rows hold the same content and attributes (the key is not compared).</summary>
    public bool SameAs(ConfigDigest other) =>
        string.Equals(Md5, other.Md5, StringComparison.OrdinalIgnoreCase) && Attributes == other.Attributes;
}

/// <summary>A whole config as read from the source, ready to be written.</summary>
public sealed record ConfigRow(ConfigKey Key, string Content, ConfigAttributes Attributes)
{
    private (string Content, string Md5)? _md5;

    /// <summary>The md5 Nacos stores for this content (lowercase hex of its UTF-8 bytes); computed once per content, also across <c>with</c> copies.</summary>
    public string Md5
    {
        get
        {
            if (_md5 is { } cached && ReferenceEquals(cached.Content, Content))
            {
                return cached.Md5;
            }

            var md5 = ConfigMd5.Of(Content);
            _md5 = (Content, md5);
            return md5;
        }
    }

    public ConfigDigest Digest => new(Key, Md5, Attributes);
}
