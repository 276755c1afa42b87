using NacosSync.Core.Options;

namespace NacosSync.Core.Config;

/// <summary>
/// Include / exclude patterns of a task (<c>*</c> matches any run of characters, comparison is
/// exact otherwise). An empty include list includes everything; exclude wins over include.
/// </summary>
public sealed class ConfigFilter
{
    private readonly string[] _include;
    private readonly string[] _exclude;

    public ConfigFilter(FilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _include = [.. options.Include];
        _exclude = [.. options.Exclude];
    }

    public static ConfigFilter All { get; } = new(new FilterOptions());

    public bool Matches(string value) =>
        (_include.Length == 0 || _include.Any(p => Glob(p, value))) && !_exclude.Any(p => Glob(p, value));

    /// <summary>Matches <paramref name="value"/> against a pattern where <c>*</c> is any run of characters.</summary>
    public static bool Glob(string pattern, string value)
    {
        int p = 0, v = 0, star = -1, mark = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = v;
            }
            else if (p < pattern.Length && pattern[p] == value[v])
            {
                p++;
                v++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                v = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}

/// <summary>A task's group and dataId filters together.</summary>
public sealed class ConfigKeyFilter(ConfigFilter groups, ConfigFilter dataIds)
{
    public static ConfigKeyFilter All { get; } = new(ConfigFilter.All, ConfigFilter.All);

    public ConfigFilter Groups => groups;

    public ConfigFilter DataIds => dataIds;

    public static ConfigKeyFilter From(ConfigSyncOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ConfigKeyFilter(new ConfigFilter(options.GroupFilter), new ConfigFilter(options.DataIdFilter));
    }

    /// <summary>Whether the key is in scope; judged on the source's group and dataId.</summary>
    public bool Matches(string group, string dataId) => groups.Matches(group) && dataIds.Matches(dataId);
}
