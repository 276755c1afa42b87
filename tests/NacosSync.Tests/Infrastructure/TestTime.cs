namespace NacosSync.Tests.Infrastructure;

/// <summary>Where the fake clocks of these tests start (the hand-made clock they replace started here too).</summary>
internal static class TestTime
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
}
