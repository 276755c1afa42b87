using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace NacosSync.Sandbox.Hosting;

/// <summary>
/// The parameters of a Nacos v1 request: query string and form body together (clients send either;
/// the form wins when both carry a name, as Spring's request parameters do not, but no client sends both).
/// </summary>
internal sealed class NacosParams
{
    private readonly Dictionary<string, string> _values;

    private NacosParams(Dictionary<string, string> values) => _values = values;

    public static async Task<NacosParams> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in request.Query)
        {
            values[key] = value.ToString();
        }

        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(ct);
            foreach (var (key, value) in form)
            {
                values[key] = value.ToString();
            }
        }

        return new NacosParams(values);
    }

    /// <summary>A copy with <paramref name="name"/> set (the v3 API names a v1 parameter differently: groupName for group).</summary>
    public NacosParams With(string name, string? value)
    {
        var values = new Dictionary<string, string>(_values, StringComparer.Ordinal);
        if (value is null)
        {
            values.Remove(name);
        }
        else
        {
            values[name] = value;
        }

        return new NacosParams(values);
    }

    public string? this[string name] => _values.TryGetValue(name, out var value) ? value : null;

    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>The value, or <paramref name="fallback"/> when absent or blank.</summary>
    public string Get(string name, string fallback) =>
        _values.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : fallback;

    public bool Bool(string name, bool fallback) =>
        _values.TryGetValue(name, out var value) && bool.TryParse(value.Trim(), out var parsed) ? parsed : fallback;

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out var value) && int.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : fallback;

    public double Double(string name, double fallback) =>
        _values.TryGetValue(name, out var value) && double.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : fallback;
}
