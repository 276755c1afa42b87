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
/// Orders keys by (dataId, group, tenant): the order of a Nacos table's unique index
/// <c>(data_id, group_id, tenant_id)</c> under its <c>_bin</c> collation, by Unicode code
/// point, with PAD SPACE (a shorter string compares as if padded with spaces, so <c>"a"</c> equals
/// <c>"a "</c> and sorts after <c>"a\t"</c>). The readers walk that index in this order, so a full
/// diff of every namespace of a task costs one index scan per side, not one per namespace, and no sort.
/// Within one tenant it is (dataId, group).
/// <see cref="string.CompareOrdinal(string, string)"/> is not enough: it orders UTF-16 code units,
/// so a character above U+FFFF would sort before U+E000–U+FFFF.
/// </summary>
public sealed class ConfigKeyComparer : IComparer<ConfigKey>
{
    public static ConfigKeyComparer Instance { get; } = new();

    public int Compare(ConfigKey x, ConfigKey y)
    {
        var c = CompareCodePoints(x.DataId, y.DataId);
        if (c != 0)
        {
            return c;
        }

        c = CompareCodePoints(x.Group, y.Group);
        return c != 0 ? c : CompareCodePoints(x.Tenant, y.Tenant);
    }

    /// <summary>Compares two strings by code point with PAD SPACE, as the <c>utf8_bin</c> / <c>utf8mb4_bin</c> collations do.</summary>
    public static int CompareCodePoints(string a, string b)
    {
        var length = Math.Min(a.Length, b.Length);
        for (var i = 0; i < length; i++)
        {
            var ca = a[i];
            var cb = b[i];
            if (ca != cb)
            {
                return Lift(ca).CompareTo(Lift(cb));
            }
        }

        // PAD SPACE: the rest of the longer string is compared with spaces.
        var longer = a.Length > b.Length ? a : b;
        for (var i = length; i < longer.Length; i++)
        {
            if (longer[i] != ' ')
            {
                var sign = longer[i] < ' ' ? -1 : 1;
                return ReferenceEquals(longer, a) ? sign : -sign;
            }
        }

        return 0;
    }

    // Surrogates (U+D800–U+DFFF) encode code points above U+FFFF: lift them above every BMP unit.
    private static int Lift(char c) => char.IsSurrogate(c) ? c + 0x2000 : c >= 0xE000 ? c - 0x800 : c;
}
