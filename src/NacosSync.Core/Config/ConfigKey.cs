namespace NacosSync.Core.Config;

/// <summary>
/// One config of a Nacos cluster: namespace (<c>tenant_id</c>, <c>""</c> for public in 1.x/2.x),
/// group and dataId. Compared by value, ordered by <see cref="ConfigKeyComparer"/>.
/// </summary>
public readonly record struct ConfigKey(string Tenant, string Group, string DataId)
{
    /// <summary>A short form for logs and error reports: <c>tenant/group/dataId</c> (<c>(public)</c> for the empty tenant).</summary>
    public override string ToString() => $"{(Tenant.Length == 0 ? "(public)" : Tenant)}/{Group}/{DataId}";
}

/// <summary>
/// Orders keys by (tenant, group, dataId), each compared by Unicode code point, which is the byte
/// order of their UTF-8 encoding: the order the readers ask the database for
/// (<c>ORDER BY CAST(col AS BINARY)</c>). <see cref="string.CompareOrdinal(string, string)"/> is not
/// enough: it orders UTF-16 code units, so a character above U+FFFF sorts before U+E000–U+FFFF.
/// </summary>
public sealed class ConfigKeyComparer : IComparer<ConfigKey>
{
    public static ConfigKeyComparer Instance { get; } = new();

    public int Compare(ConfigKey x, ConfigKey y)
    {
        var c = CompareCodePoints(x.Tenant, y.Tenant);
        if (c != 0)
        {
            return c;
        }

        c = CompareCodePoints(x.Group, y.Group);
        return c != 0 ? c : CompareCodePoints(x.DataId, y.DataId);
    }

    /// <summary>Compares two strings by code point (= UTF-8 byte order).</summary>
    public static int CompareCodePoints(string a, string b)
    {
        var length = Math.Min(a.Length, b.Length);
        for (var i = 0; i < length; i++)
        {
            var ca = a[i];
            var cb = b[i];
            if (ca == cb)
            {
                continue;
            }

            // Surrogates (U+D800–U+DFFF) encode code points above U+FFFF: lift them above every BMP unit.
            var fa = char.IsSurrogate(ca) ? ca + 0x2000 : (ca >= 0xE000 ? ca - 0x800 : ca);
            var fb = char.IsSurrogate(cb) ? cb + 0x2000 : (cb >= 0xE000 ? cb - 0x800 : cb);
            return fa.CompareTo(fb);
        }

        return a.Length.CompareTo(b.Length);
    }
}
