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
/// content (the diff fetches contents only for the keys that differ). <paramref name="ContentCrc"/> is the
/// database's <c>CRC32(content)</c> when the digest came from a digest walk: beside a stored md5 column it
/// catches content edited without its md5 (see <see cref="ConfigDigestMd5"/>); null where the content was
/// hashed in process, and then not compared.
/// </summary>
public sealed record ConfigDigest(ConfigKey Key, string Md5, ConfigAttributes Attributes, long? ContentCrc = null)
{
    /// <summary>
    /// True when the two rows hold the same content and attributes (the key is not compared): equal md5s, equal
    /// attributes, and equal content checksums where both sides carry one.
    /// </summary>
    public bool SameAs(ConfigDigest other) =>
        string.Equals(Md5, other.Md5, StringComparison.OrdinalIgnoreCase) && Attributes == other.Attributes
        && (ContentCrc is null || other.ContentCrc is null || ContentCrc == other.ContentCrc);
}

/// <summary>Where a digest walk takes a row's md5 from.</summary>
public enum ConfigDigestMd5
{
    /// <summary>
    /// <c>MD5(content)</c>, computed by the database for every row: what Nacos nodes compute and serve, whatever
    /// the md5 column says. The source side of a diff: its md5s go on to the cache checks and source watches.
    /// </summary>
    Content,

    /// <summary>
    /// The md5 column as Nacos (or this daemon) wrote it (<c>MD5(content)</c> where it is empty), checked by the
    /// database's <c>CRC32(content)</c> on both sides: a content edited by hand under an old md5 still differs, a
    /// stale md5 over the source's content differs by its md5. About half the server time of <see cref="Content"/>
    /// on 2 KB configs; for the target side of a diff, whose md5s are only compared.
    /// </summary>
    StoredColumn,
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
