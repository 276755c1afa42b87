using NacosSync.Core.Filtering;
using NacosSync.Core.Options;

namespace NacosSync.Core.Config;

/// <summary>
/// Include / exclude patterns of a task (<c>*</c> matches any run of characters, comparison is
/// exact otherwise). An empty include list includes everything; exclude wins over include.
/// </summary>
public sealed class ConfigFilter
{
    private readonly NameFilter _names;

    public ConfigFilter(FilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _names = NameFilter.From(options);
    }

    public static ConfigFilter All { get; } = new(new FilterOptions());

    /// <summary>Same rules as the naming filters (one implementation: <see cref="NameFilter"/>).</summary>
    public bool Matches(string value) => _names.Matches(value);
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
