using System.Globalization;

namespace NacosSync.Nacos.Transport;

/// <summary>A Nacos server version and what differs for us between the lines (nacos-reference §1, §2).</summary>
internal sealed record NacosServerVersion(int Major, int Minor, int Patch, string Text)
{
    /// <summary>Assumed when the server does not say (the main target line).</summary>
    public static NacosServerVersion Default { get; } = new(2, 4, 0, "2.4.0 (assumed)");

    /// <summary>1.x lets ephemeral and persistent instances share a service; 2.x+ does not.</summary>
    public bool AllowsMixedEphemeral => Major < 2;

    /// <summary>The console catalog (all groups, with instances incl. disabled) answers 410 on 3.0.</summary>
    public bool HasConsoleCatalog => Major < 3;

    /// <summary>The v1 console namespace list answers 410 on 3.0; use the v3 admin API.</summary>
    public bool HasConsoleNamespaces => Major < 3;

    /// <summary><c>/v1/cs/communication/dataChange</c> exists up to 2.2.0.</summary>
    public bool HasDataChange => Major < 2 || (Major == 2 && (Minor < 2 || (Minor == 2 && Patch == 0)));

    /// <summary>The id the public namespace has in the namespace list: "" before 3.0, "public" in 3.0.</summary>
    public string PublicNamespaceListId => Major >= 3 ? "public" : "";

    public static NacosServerVersion Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Default;
        }

        var core = text.Split('-', '+')[0];
        var parts = core.Split('.');
        int Part(int i) => i < parts.Length && int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;
        return parts.Length == 0 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out _)
            ? Default
            : new NacosServerVersion(Part(0), Part(1), Part(2), text);
    }

    public override string ToString() => Text;
}
