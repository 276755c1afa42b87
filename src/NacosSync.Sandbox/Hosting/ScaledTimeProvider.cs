namespace NacosSync.Sandbox.Hosting;

/// <summary>A clock that runs <c>scale</c> times faster than its source, from the moment it was created.</summary>
internal sealed class ScaledTimeProvider : TimeProvider
{
    private readonly TimeProvider _source;
    private readonly double _scale;
    private readonly DateTimeOffset _origin;

    public ScaledTimeProvider(TimeProvider source, double scale)
    {
        _source = source;
        _scale = scale;
        _origin = source.GetUtcNow();
    }

    public override DateTimeOffset GetUtcNow()
    {
        var elapsed = _source.GetUtcNow() - _origin;
        return _origin + TimeSpan.FromTicks((long)(elapsed.Ticks * _scale));
    }
}
