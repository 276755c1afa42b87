using System.Collections.Concurrent;

namespace NacosSync.Sandbox.Config;

/// <summary>A config key as Nacos groups it: dataId, group, tenant ("" = public before 3.0).</summary>
internal readonly record struct ConfigKey(string DataId, string Group, string Tenant);

/// <summary>What a node serves for one key.</summary>
internal sealed record CachedConfig(string Content, string Md5, DateTime LastModified, string Type, string EncryptedDataKey);

/// <summary>
/// One node's config cache: reads are served from here only, never from the DB. A dump older
/// (gmt_modified) than what is cached is ignored, as ConfigCacheService does.
/// </summary>
internal sealed class ConfigCache
{
    private readonly ConcurrentDictionary<ConfigKey, CachedConfig> _entries = new();
    private readonly Lock _gate = new();

    /// <summary>Raised after a key's md5 changed or the key was removed.</summary>
    public event Action<ConfigKey>? Changed;

    public int Count => _entries.Count;

    public CachedConfig? Get(ConfigKey key) => _entries.TryGetValue(key, out var value) ? value : null;

    /// <summary>The md5 a listener compares with: "" when absent.</summary>
    public string Md5(ConfigKey key) => _entries.TryGetValue(key, out var value) ? value.Md5 : "";

    /// <summary>Stores a row read from the DB. False when ignored (older) or unchanged.</summary>
    public bool Dump(ConfigKey key, CachedConfig value)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var cached))
            {
                if (value.LastModified < cached.LastModified)
                {
                    return false;
                }

                if (cached.Md5 == value.Md5)
                {
                    _entries[key] = value;
                    return false;
                }
            }

            _entries[key] = value;
        }

        Changed?.Invoke(key);
        return true;
    }

    public bool Remove(ConfigKey key)
    {
        if (!_entries.TryRemove(key, out _))
        {
            return false;
        }

        Changed?.Invoke(key);
        return true;
    }

    public void Clear() => _entries.Clear();
}
