using System.Diagnostics.Metrics;

namespace NacosSync.Engine.Telemetry;

/// <summary>
/// The one <see cref="Meter"/> of the product, <c>NacosSync</c>, and its instruments. Prometheus
/// names are derived by the exporter (dots become underscores, unit suffixes, <c>_total</c> on counters).
/// </summary>
internal sealed class SyncMetrics : IDisposable
{
    public const string MeterName = "NacosSync";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    /// <param name="meterFactory">The host's factory (which then owns the meter); null in tests and tools that build their own.</param>
    public SyncMetrics(IMeterFactory? meterFactory = null)
    {
        var options = new MeterOptions(MeterName) { Version = typeof(SyncMetrics).Assembly.GetName().Version?.ToString(3) };
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(options) ?? new Meter(options);
        HeartbeatsSent = _meter.CreateCounter<long>("nacossync.heartbeats", unit: "{heartbeat}", description: "Heartbeats sent to target clusters for ephemeral replicas, by task and outcome.");
    }

    public Meter Meter => _meter;

    /// <summary>Tags: task, outcome (ok, reregistered, registered_unhealthy, dropped, failed).</summary>
    public Counter<long> HeartbeatsSent { get; }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
