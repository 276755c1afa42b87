using System.Globalization;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace NacosSync.Hosting.Metrics;

/// <summary>
/// Writes OpenTelemetry metrics in the Prometheus text exposition format 0.0.4. A pull exporter:
/// <see cref="ScrapeAsync"/> asks the reader to collect, the SDK hands the batch to
/// <see cref="Export"/>, which renders it. Names follow the Prometheus rules for OTLP metrics:
/// dots become underscores, the unit is appended (<c>s</c> → <c>_seconds</c>), counters end in <c>_total</c>.
/// </summary>
[ExportModes(ExportModes.Pull)]
internal sealed class PrometheusTextExporter : BaseExporter<Metric>, IPullMetricExporter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly SemaphoreSlim _scrapeLock = new(1, 1);
    private StringBuilder? _output;
    private Exception? _lastError;

    /// <summary>Set by the SDK's reader: collects (inside the SDK's pull scope) and calls back into <see cref="Export"/>.</summary>
    public Func<int, bool>? Collect { get; set; }

    /// <summary>Collects and renders all metrics now. Scrapes are serialized.</summary>
    public async Task<string> ScrapeAsync(CancellationToken cancellationToken)
    {
        await _scrapeLock.WaitAsync(cancellationToken);
        try
        {
            _output = new StringBuilder(8 * 1024);
            _lastError = null;
            if (Collect is not { } collect || !collect(5_000))
            {
                throw new InvalidOperationException("the metric reader did not collect within 5 s", _lastError);
            }

            return _output.ToString();
        }
        finally
        {
            _output = null;
            _scrapeLock.Release();
        }
    }

    public override ExportResult Export(in Batch<Metric> batch)
    {
        var output = _output;
        if (output is null)
        {
            return ExportResult.Failure;
        }

        try
        {
            foreach (var metric in batch)
            {
                Write(output, metric);
            }

            return ExportResult.Success;
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or ArgumentException)
        {
            _lastError = ex;
            return ExportResult.Failure;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _scrapeLock.Dispose();
        }

        base.Dispose(disposing);
    }

    internal static void Write(StringBuilder output, Metric metric)
    {
        var isCounter = metric.MetricType is MetricType.LongSum or MetricType.DoubleSum;
        var isGauge = metric.MetricType is MetricType.LongGauge or MetricType.DoubleGauge
            or MetricType.LongSumNonMonotonic or MetricType.DoubleSumNonMonotonic;
        var isHistogram = metric.MetricType == MetricType.Histogram;
        if (!isCounter && !isGauge && !isHistogram)
        {
            return; // exponential histograms are not configured by NacosSync
        }

        var name = PrometheusName(metric.Name, metric.Unit, isCounter);
        var type = isCounter ? "counter" : isGauge ? "gauge" : "histogram";
        output.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(metric.Description)).Append('\n');
        output.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            var labels = Labels(point.Tags);
            switch (metric.MetricType)
            {
                case MetricType.LongSum or MetricType.LongSumNonMonotonic:
                    Sample(output, name, labels, point.GetSumLong().ToString(CultureInfo.InvariantCulture));
                    break;
                case MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic:
                    Sample(output, name, labels, FormatDouble(point.GetSumDouble()));
                    break;
                case MetricType.LongGauge:
                    Sample(output, name, labels, point.GetGaugeLastValueLong().ToString(CultureInfo.InvariantCulture));
                    break;
                case MetricType.DoubleGauge:
                    Sample(output, name, labels, FormatDouble(point.GetGaugeLastValueDouble()));
                    break;
                case MetricType.Histogram:
                    long cumulative = 0;
                    foreach (var bucket in point.GetHistogramBuckets())
                    {
                        cumulative += bucket.BucketCount;
                        var le = double.IsPositiveInfinity(bucket.ExplicitBound) ? "+Inf" : FormatDouble(bucket.ExplicitBound);
                        Sample(output, name + "_bucket", AddLabel(labels, "le", le), cumulative.ToString(CultureInfo.InvariantCulture));
                    }

                    Sample(output, name + "_sum", labels, FormatDouble(point.GetHistogramSum()));
                    Sample(output, name + "_count", labels, point.GetHistogramCount().ToString(CultureInfo.InvariantCulture));
                    break;
            }
        }
    }

    /// <summary>The Prometheus name of an OpenTelemetry instrument.</summary>
    internal static string PrometheusName(string name, string? unit, bool isCounter)
    {
        var builder = new StringBuilder(name.Length + 16);
        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || c == ':' ? c : '_');
        }

        if (builder.Length > 0 && char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }

        var suffix = UnitSuffix(unit);
        var result = builder.ToString();
        if (suffix.Length > 0 && !result.EndsWith("_" + suffix, StringComparison.Ordinal))
        {
            result += "_" + suffix;
        }

        if (isCounter && !result.EndsWith("_total", StringComparison.Ordinal))
        {
            result += "_total";
        }

        return result;
    }

    private static string UnitSuffix(string? unit) => unit switch
    {
        null or "" or "1" => "",
        "s" => "seconds",
        "ms" => "milliseconds",
        "By" => "bytes",
        _ when unit.StartsWith('{') => "", // annotations such as {request} carry no unit
        _ => new string(unit.Where(char.IsAsciiLetterOrDigit).ToArray()).ToLowerInvariant(),
    };

    private static List<KeyValuePair<string, string>> Labels(ReadOnlyTagCollection tags)
    {
        var labels = new List<KeyValuePair<string, string>>(tags.Count);
        foreach (var tag in tags)
        {
            var key = new string(tag.Key.Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_').ToArray());
            var value = Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "";
            labels.Add(new(key, value));
        }

        labels.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return labels;
    }

    private static List<KeyValuePair<string, string>> AddLabel(List<KeyValuePair<string, string>> labels, string key, string value) =>
        [.. labels, new(key, value)];

    private static void Sample(StringBuilder output, string name, List<KeyValuePair<string, string>> labels, string value)
    {
        output.Append(name);
        if (labels.Count > 0)
        {
            output.Append('{');
            for (var i = 0; i < labels.Count; i++)
            {
                if (i > 0)
                {
                    output.Append(',');
                }

                output.Append(labels[i].Key).Append("=\"").Append(EscapeLabel(labels[i].Value)).Append('"');
            }

            output.Append('}');
        }

        output.Append(' ').Append(value).Append('\n');
    }

    private static string FormatDouble(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string EscapeLabel(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string EscapeHelp(string? value) =>
        (value ?? "").Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}

/// <summary>The pull reader that feeds <see cref="PrometheusTextExporter"/>; cumulative temporality.</summary>
internal sealed class PrometheusMetricReader(PrometheusTextExporter exporter) : BaseExportingMetricReader(exporter);
