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

    /// <summary>
    /// Which HTTP API the daemon speaks to this line (reference §1, §8): v1 up to 2.5; on 3.0–3.1 the v1
    /// client APIs, and v3 admin APIs for what the v1 console and admin answer 410; on 3.2+ v3 only
    /// (v1 and v2 are 404 there unless the optional legacy adapter is installed).
    /// </summary>
    public NacosHttpApi HttpApi => Major < 3 ? NacosHttpApi.V1 : Major == 3 && Minor < 2 ? NacosHttpApi.V1ClientV3Admin : NacosHttpApi.V3;

    /// <summary>
    /// The login path: <c>/v1/auth/login</c> up to 2.5, <c>/v3/auth/user/login</c> on 3.x (3.0.3's
    /// <c>UserControllerV3</c>; 3.2+ keeps only <c>/v1/auth/users/login</c> of v1, reference §8). Both answer
    /// <c>{accessToken, tokenTtl, globalAdmin}</c>.
    /// </summary>
    public string LoginPath => Major >= 3 ? "/v3/auth/user/login" : "/v1/auth/login";

    /// <summary>3.x ships admin and console auth on, with no default user (reference §8): admin APIs need an admin's token or the server identity.</summary>
    public bool AdminApisSecuredByDefault => Major >= 3;

    /// <summary>3.3.0: an absent <c>nacos.core.auth.enabled</c> means true, so client APIs need a token too (reference §8).</summary>
    public bool ClientApisSecuredByDefault => Major > 3 || (Major == 3 && Minor >= 3);

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

/// <summary>The HTTP dialect a version line speaks (<see cref="NacosServerVersion.HttpApi"/>).</summary>
internal enum NacosHttpApi
{
    /// <summary>1.4–2.5: every call through <c>/v1/...</c>.</summary>
    V1,

    /// <summary>3.0–3.1: client calls through <c>/v1/...</c>, admin calls (410 in v1) through <c>/v3/admin/...</c>.</summary>
    V1ClientV3Admin,

    /// <summary>3.2+: <c>/v3/client/...</c> and <c>/v3/admin/...</c> only.</summary>
    V3,
}
