namespace NacosSync.Engine.Clusters;

/// <summary>Reads a secret given inline (from configuration or an environment variable) or from a file.</summary>
internal static class Secrets
{
    /// <summary>The file's trimmed content when <paramref name="file"/> is set, else <paramref name="inline"/>; null when neither.</summary>
    /// <exception cref="InvalidOperationException">The file is named but cannot be read; the message names the key, never the secret.</exception>
    public static string? Read(string? inline, string? file, string key)
    {
        if (string.IsNullOrWhiteSpace(file))
        {
            return string.IsNullOrEmpty(inline) ? null : inline;
        }

        try
        {
            return File.ReadAllText(file).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"{key}: cannot read the secret file '{file}': {ex.Message}", ex);
        }
    }
}
