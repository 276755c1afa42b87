namespace NacosSync.Core.Options;

/// <summary>
/// A Nacos node address: <c>host[:port]</c> (http assumed) or <c>http(s)://host[:port]</c>, port
/// 8848 (Nacos's own default, not the scheme's) when left out. The one parser of
/// <c>Clusters:*:ServerAddresses</c>: the validator and the cluster registry both use it.
/// </summary>
public readonly record struct ServerAddress(string Scheme, string Host, int Port)
{
    /// <summary>The port of a Nacos server when the address names none.</summary>
    public const int DefaultPort = 8848;

    /// <summary>host:port, as Nacos names its nodes.</summary>
    public string Authority => $"{Host}:{Port}";

    public Uri BaseUri => new($"{Scheme}://{Authority}");

    /// <summary>False for anything else: a path (that is <c>ContextPath</c>), a query, user info, an empty or out-of-range port.</summary>
    public static bool TryParse(string? text, out ServerAddress address)
    {
        address = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        var authority = (schemeEnd >= 0 ? text[(schemeEnd + 3)..] : text).TrimEnd('/');
        if (!Uri.TryCreate(schemeEnd >= 0 ? text : "http://" + text, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host) || !string.IsNullOrEmpty(uri.UserInfo) || authority.Contains('@', StringComparison.Ordinal)
            || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return false;
        }

        // Uri fills in 80/443 when the port is left out (and for an empty one): read the port from the text instead.
        var colon = authority.LastIndexOf(':');
        if (colon <= authority.LastIndexOf(']'))
        {
            address = new ServerAddress(uri.Scheme, uri.Host, DefaultPort);
            return true;
        }

        if (colon == authority.Length - 1)
        {
            return false;
        }

        address = new ServerAddress(uri.Scheme, uri.Host, uri.Port);
        return true;
    }

    public override string ToString() => $"{Scheme}://{Authority}";
}
