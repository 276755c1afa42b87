namespace NacosSync.Core.Options;

/// <summary>A Nacos node address: <c>host:port</c> (http assumed) or <c>http(s)://host:port</c>; port 8848 when left out.</summary>
public readonly record struct ServerAddress(string Scheme, string Host, int Port)
{
    /// <summary>host:port, as Nacos names its nodes.</summary>
    public string Authority => $"{Host}:{Port}";

    public Uri BaseUri => new($"{Scheme}://{Authority}");

    public static bool TryParse(string? text, out ServerAddress address)
    {
        address = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var hasScheme = text.Contains("://", StringComparison.Ordinal);
        var builder = hasScheme ? text : "http://" + text;
        if (!Uri.TryCreate(builder, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host) || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query))
        {
            return false;
        }

        // Uri fills in 80/443 when the port is left out; Nacos's own default is 8848.
        var authorityText = hasScheme ? text[(text.IndexOf("://", StringComparison.Ordinal) + 3)..].TrimEnd('/') : text.TrimEnd('/');
        var hasPort = authorityText.LastIndexOf(':') > authorityText.LastIndexOf(']');
        address = new ServerAddress(uri.Scheme, uri.Host, hasPort ? uri.Port : 8848);
        return true;
    }

    public override string ToString() => $"{Scheme}://{Authority}";
}
