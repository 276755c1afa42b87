using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace NacosSync.Bench.Report;

/// <summary>
/// latency.png: the empirical distribution (CDF) of each latency series, drawn by Debian's gnuplot
/// (gnuplot-nox; <c>apt-get install gnuplot-nox</c>). Without gnuplot the data and script are still written, and the reason is returned.
/// </summary>
internal static class LatencyChart
{
    public static string? Write(IReadOnlyDictionary<string, List<double>> series, string directory)
    {
        ArgumentNullException.ThrowIfNull(series);
        var plots = new List<string>();
        foreach (var (name, values) in series.Where(s => s.Value.Count > 0))
        {
            var file = Path.Combine(directory, $"latency-{name}.dat");
            var sorted = values.Order().ToArray();
            var data = new StringBuilder();
            for (var i = 0; i < sorted.Length; i++)
            {
                data.AppendLine(CultureInfo.InvariantCulture, $"{sorted[i]:0.000000} {(i + 1) * 100.0 / sorted.Length:0.000}");
            }

            File.WriteAllText(file, data.ToString());
            plots.Add($"'{file}' using 1:2 with steps lw 2 title '{name} (n={sorted.Length})'");
        }

        if (plots.Count == 0)
        {
            return "no latency samples";
        }

        var png = Path.Combine(directory, "latency.png");
        var script = Path.Combine(directory, "latency.gnuplot");
        File.WriteAllText(script, $"""
            set terminal pngcairo size 1000,600 noenhanced
            set output '{png}'
            set title 'Change latency: source write to visible in the target (config: every target node)'
            set xlabel 'seconds'
            set ylabel 'percent of changes at or below'
            set logscale x
            set grid
            set key bottom right
            set yrange [0:100]
            plot {string.Join(", ", plots)}

            """);
        try
        {
            using var gnuplot = Process.Start(new ProcessStartInfo("gnuplot", [script]) { UseShellExecute = false, RedirectStandardError = true })!;
            var error = gnuplot.StandardError.ReadToEnd();
            gnuplot.WaitForExit();
            return gnuplot.ExitCode == 0 ? null : $"gnuplot exited {gnuplot.ExitCode}: {error.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "gnuplot is not installed (apt-get install gnuplot-nox); latency.gnuplot and the .dat files are written";
        }
    }
}
