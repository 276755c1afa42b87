using System.Globalization;
using System.Text;

namespace NacosSync.Bench.Measure;

/// <summary>One sample of the Prometheus text exposition format: <c>name{label="value",...} value [timestamp]</c>.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// Reads the daemon's <c>/metrics</c> (Prometheus text format 0.0.4): comments and blank lines are
/// skipped, label values unescaped (<c>\\</c>, <c>\"</c>, <c>\n</c>), <c>+Inf</c>/<c>-Inf</c>/<c>NaN</c> understood.
/// A line that is not a sample is an error naming the line, never silently dropped.
/// </summary>
internal static class PrometheusText
{
    public static IReadOnlyList<PrometheusSample> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var samples = new List<PrometheusSample>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            samples.Add(ParseLine(line) ?? throw new FormatException($"/metrics line {number} is not a sample: '{line}'"));
        }

        return samples;
    }

    /// <summary>Sum of the samples named <paramref name="name"/> whose labels include every pair of <paramref name="match"/>.</summary>
    public static double Sum(IEnumerable<PrometheusSample> samples, string name, params (string Label, string Value)[] match) =>
        samples.Where(s => s.Name == name && match.All(m => s.Labels.TryGetValue(m.Label, out var v) && v == m.Value)).Sum(s => s.Value);

    private static PrometheusSample? ParseLine(string line)
    {
        var i = 0;
        while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] is '_' or ':'))
        {
            i++;
        }

        if (i == 0)
        {
            return null;
        }

        var name = line[..i];
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                while (i < line.Length && line[i] is ' ' or ',')
                {
                    i++;
                }

                if (i >= line.Length)
                {
                    return null;
                }

                if (line[i] == '}')
                {
                    i++;
                    break;
                }

                var eq = line.IndexOf('=', i);
                if (eq < 0 || eq + 1 >= line.Length || line[eq + 1] != '"')
                {
                    return null;
                }

                var label = line[i..eq].Trim();
                var value = new StringBuilder();
                i = eq + 2;
                for (; i < line.Length && line[i] != '"'; i++)
                {
                    if (line[i] == '\\' && i + 1 < line.Length)
                    {
                        i++;
                        value.Append(line[i] == 'n' ? '\n' : line[i]);
                    }
                    else
                    {
                        value.Append(line[i]);
                    }
                }

                if (i >= line.Length)
                {
                    return null;
                }

                i++;
                labels[label] = value.ToString();
            }
        }

        var rest = line[i..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return rest.Length is 1 or 2 && TryNumber(rest[0], out var number) ? new PrometheusSample(name, labels, number) : null;
    }

    private static bool TryNumber(string text, out double value)
    {
        switch (text)
        {
            case "+Inf":
                value = double.PositiveInfinity;
                return true;
            case "-Inf":
                value = double.NegativeInfinity;
                return true;
            case "NaN":
                value = double.NaN;
                return true;
            default:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }
}
