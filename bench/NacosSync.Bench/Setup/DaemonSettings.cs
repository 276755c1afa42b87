using System.Text.Json;
using System.Text.Json.Nodes;

namespace NacosSync.Bench.Setup;

/// <summary>
/// The daemon's generated configuration: flat keys (<c>Clusters:source:ServerAddresses:0</c>) with the run's
/// <c>--set</c> overrides applied last, written as the nested JSON <c>nacos-sync run --config</c> reads.
/// </summary>
internal sealed class DaemonSettings
{
    public const string Task = "bench";

    private readonly SortedDictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public string? this[string key]
    {
        get => _values.GetValueOrDefault(key);
        set
        {
            if (value is null)
            {
                _values.Remove(key);
            }
            else
            {
                _values[key] = value;
            }
        }
    }

    public IReadOnlyDictionary<string, string> Values => _values;

    /// <summary>The base configuration of a run: one task from source to target, naming and config, state in MariaDB.</summary>
    public static DaemonSettings Create(IReadOnlyList<string> sourceServers, IReadOnlyList<string> targetServers,
        string sourceDb, string targetDb, string stateDb, string endpoint, string adminToken)
    {
        ArgumentNullException.ThrowIfNull(sourceServers);
        ArgumentNullException.ThrowIfNull(targetServers);
        var s = new DaemonSettings
        {
            ["Clusters:source:ClusterId"] = "bench-source",
            ["Clusters:source:RequestTimeout"] = "00:00:30",
            ["Clusters:source:Database:ConnectionString"] = sourceDb,
            ["Clusters:target:ClusterId"] = "bench-target",
            ["Clusters:target:RequestTimeout"] = "00:00:30",
            ["Clusters:target:Database:ConnectionString"] = targetDb,
            [$"Tasks:{Task}:Source"] = "source",
            [$"Tasks:{Task}:Target"] = "target",
            // The start's own full run is the initial copy; later full runs only when the harness triggers them.
            [$"Tasks:{Task}:Schedule:FullCron"] = "0 0 0 1 1 ? 2099",
            [$"Tasks:{Task}:Schedule:IncrementalInterval"] = "00:00:01",
            ["State:Database:ConnectionString"] = stateDb,
            ["HighAvailability:Enabled"] = "false",
            ["Endpoint:Url"] = endpoint,
            ["Endpoint:AdminToken"] = adminToken,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        for (var i = 0; i < sourceServers.Count; i++)
        {
            s[$"Clusters:source:ServerAddresses:{i}"] = sourceServers[i];
        }

        for (var i = 0; i < targetServers.Count; i++)
        {
            s[$"Clusters:target:ServerAddresses:{i}"] = targetServers[i];
        }

        return s;
    }

    public void Apply(IEnumerable<KeyValuePair<string, string>> overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        foreach (var (key, value) in overrides)
        {
            this[key] = value;
        }
    }

    /// <summary>
    /// Nested JSON. A key that is both a value and a section (<c>A=1</c> and <c>A:B=2</c>) cannot be written and is an
    /// error naming both. Numeric segments stay object keys ("0", "1"): the configuration binder reads them as array indexes.
    /// </summary>
    public string ToJson()
    {
        var root = new JsonObject();
        foreach (var (key, value) in _values)
        {
            var node = root;
            var parts = key.Split(':');
            for (var i = 0; i < parts.Length - 1; i++)
            {
                var existing = FindChild(node, parts[i]);
                if (existing is null)
                {
                    var child = new JsonObject();
                    node[parts[i]] = child;
                    node = child;
                }
                else
                {
                    node = existing as JsonObject
                        ?? throw new ArgumentException($"'{key}' needs '{string.Join(':', parts[..(i + 1)])}' to be a section, but it is set to a value");
                }
            }

            if (FindChild(node, parts[^1]) is JsonObject)
            {
                throw new ArgumentException($"'{key}' is set to a value, but other keys use it as a section");
            }

            node[parts[^1]] = value;
        }

        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    // Configuration keys are case-insensitive: "clusters" and "Clusters" are one section.
    private static JsonNode? FindChild(JsonObject node, string name) =>
        node.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
