using NacosSync.Core.Config;

namespace NacosSync.Tests.Config;

[TestFixture]
internal sealed class ConfigChangeClockTests
{
    private static readonly DateTimeOffset ReadAt = new(2026, 12, 2, 12, 0, 10, TimeSpan.Zero);
    private static readonly DateTimeOffset PreviousReadAt = ReadAt.AddSeconds(-1);

    [TestCase(8, TestName = "A change recorded by a database in UTC+8 is taken at its UTC time")]
    [TestCase(-5, TestName = "A change recorded by a database in UTC-5 is taken at its UTC time")]
    [TestCase(0, TestName = "A change recorded by a database in UTC is taken as it is")]
    public void Database_time_zones(int hours)
    {
        var changedUtc = ReadAt.AddMilliseconds(-500);
        var recordedLocal = changedUtc.UtcDateTime.AddHours(hours);
        var offset = ConfigChangeClock.Offset(ReadAt.UtcDateTime.AddHours(hours).AddSeconds(-3), ReadAt.UtcDateTime.AddSeconds(-3));
        Assert.Multiple(() =>
        {
            Assert.That(offset, Is.EqualTo(TimeSpan.FromHours(hours)), "the offset read from NOW() and UTC_TIMESTAMP()");
            Assert.That(ConfigChangeClock.ChangedAt(DateTime.SpecifyKind(recordedLocal, DateTimeKind.Unspecified), offset, PreviousReadAt, ReadAt),
                Is.EqualTo(changedUtc), "neither hours early (lag of hours) nor hours late (lag of 0)");
        });
    }

    [Test]
    public void A_history_clock_hours_behind_puts_the_change_no_earlier_than_the_previous_read()
    {
        var recorded = ReadAt.UtcDateTime.AddHours(-2);
        Assert.That(ConfigChangeClock.ChangedAt(recorded, TimeSpan.Zero, PreviousReadAt, ReadAt), Is.EqualTo(PreviousReadAt),
            "the change was not visible at the previous read, so it cannot be two hours old");
    }

    [Test]
    public void A_history_clock_hours_ahead_puts_the_change_no_later_than_this_read()
    {
        var recorded = ReadAt.UtcDateTime.AddHours(3);
        Assert.That(ConfigChangeClock.ChangedAt(recorded, TimeSpan.Zero, PreviousReadAt, ReadAt), Is.EqualTo(ReadAt),
            "a change this read saw happened before it: its lag is never read as zero while it is pending");
    }

    [Test]
    public void Without_a_previous_read_only_the_upper_bound_applies()
    {
        var recorded = ReadAt.UtcDateTime.AddMinutes(-10);
        Assert.That(ConfigChangeClock.ChangedAt(recorded, TimeSpan.Zero, null, ReadAt), Is.EqualTo(ReadAt.AddMinutes(-10)));
    }
}
