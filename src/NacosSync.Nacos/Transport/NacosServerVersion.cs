using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace NacosSync.Nacos.Transport;

/// <summary>A Nacos server version and what differs for us between the lines (nacos-reference §1, §2, §3, §8).</summary>
internal sealed record NacosServerVersion(int Major, int Minor, int Patch, string Text)
{
    /// <summary>1.x lets ephemeral and persistent instances share a service; 2.x+ does not.</summary>
    public bool AllowsMixedEphemeral => Major < 2;

    /// <summary>The console catalog (all groups, with instances incl. disabled) answers 410 on 3.0.</summary>
    public bool HasConsoleCatalog => Major < 3;

    /// <summary>The v1 console namespace list answers 410 on 3.0; use the v3 admin API.</summary>
    public bool HasConsoleNamespaces => Major < 3;

    /// <summary><c>/v1/cs/communication/dataChange</c> exists up to 2.2.0.</summary>
    public bool HasDataChange => Major < 2 || (Major == 2 && (Minor < 2 || (Minor == 2 && Patch == 0)));

    /// <summary>
    /// The config tenant of the public namespace: <c>""</c> on 1.x and 2.x, <c>"public"</c> on 3.x
    /// (reference §3, §8). Naming's public namespace id is <c>public</c> on every line.
    /// </summary>
    public string PublicConfigTenant => Major >= 3 ? "public" : "";

    /// <summary>Reads <c>2.4.3</c>, <c>3.0.3-SNAPSHOT</c>, <c>2.5</c>; false for anything that does not start with a number.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out NacosServerVersion? version)
    {
        version = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var parts = text.Trim().Split('-', '+')[0].Split('.');
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major))
        {
            return false;
        }

        int Part(int i) => i < parts.Length && int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;
        version = new NacosServerVersion(major, Part(1), Part(2), text.Trim());
        return true;
    }

    public override string ToString() => Text;
}
