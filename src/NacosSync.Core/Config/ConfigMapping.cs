using NacosSync.Core.Options;

namespace NacosSync.Core.Config;

/// <summary>
/// Maps a task's source keys to target keys: namespaces, groups, the key filter (the full diff's scope,
/// <see cref="ConfigDiffScope"/>, and the incremental job). <c>public</c> in the mapping names each side's public namespace, whose
/// <c>tenant_id</c> is <c>""</c> up to 2.x and <c>public</c> in 3.0.
/// </summary>
public sealed class ConfigMapping
{
    private readonly SyncTaskOptions _task;
    private readonly string _sourcePublic;
    private readonly string _targetPublic;
    private HashSet<string>? _shadowed;

    /// <param name="task">The task's options.</param>
    /// <param name="sourcePublicTenant">The source's public <c>tenant_id</c> (<c>""</c> or <c>public</c>).</param>
    /// <param name="targetPublicTenant">The target's public <c>tenant_id</c>.</param>
    public ConfigMapping(SyncTaskOptions task, string sourcePublicTenant, string targetPublicTenant)
    {
        _task = task ?? throw new ArgumentNullException(nameof(task));
        _sourcePublic = sourcePublicTenant;
        _targetPublic = targetPublicTenant;
        Filter = ConfigKeyFilter.From(task.Config);
    }

    public ConfigKeyFilter Filter { get; }

    /// <summary>The target tenant of a source tenant; null when the task does not copy that namespace.</summary>
    public string? MapTenant(string sourceTenant)
    {
        var isPublic = sourceTenant == _sourcePublic || sourceTenant.Length == 0;
        if (_task.Namespaces.Count == 0)
        {
            return isPublic ? _targetPublic : sourceTenant;
        }

        foreach (var (from, to) in _task.Namespaces)
        {
            var fromTenant = from == "public" ? _sourcePublic : from;
            if (fromTenant == sourceTenant || (isPublic && from == "public"))
            {
                return to == "public" ? _targetPublic : to;
            }
        }

        return null;
    }

    /// <summary>The target key of a source key; null when out of scope (namespace not copied or filtered out).</summary>
    public ConfigKey? MapKey(ConfigKey sourceKey)
    {
        if (!Filter.Matches(sourceKey.Group, sourceKey.DataId) || MapTenant(sourceKey.Tenant) is not { } tenant)
        {
            return null;
        }

        if (_task.Groups.TryGetValue(sourceKey.Group, out var mapped))
        {
            return new ConfigKey(tenant, mapped, sourceKey.DataId);
        }

        return ShadowedSourceGroups.Contains(sourceKey.Group) ? null : new ConfigKey(tenant, sourceKey.Group, sourceKey.DataId);
    }

    /// <summary>
    /// Source groups that are not mapped but bear the name of a mapped target group (<c>Groups {G1→G2}</c> while the
    /// source has its own <c>G2</c>). They are not copied: their target group holds another source group's copies, and
    /// copying both would make each full run add and then delete the same configs. The full run reports them.
    /// </summary>
    public IReadOnlySet<string> ShadowedSourceGroups => _shadowed ??= _task.Groups.Values
        .Where(to => !_task.Groups.ContainsKey(to))
        .ToHashSet(StringComparer.Ordinal);
}
