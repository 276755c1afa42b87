using Microsoft.Extensions.Time.Testing;
using NacosSync.Engine.Sync;

namespace NacosSync.Tests.Sync;

[TestFixture]
internal sealed class TaskPacerTests
{
    [Test]
    public void Something_a_task_s_runs_repeat_passes_once_per_interval_per_task_however_many_runs_ask()
    {
        var clock = new FakeTimeProvider();
        var pacer = new TaskPacer(clock) { Interval = TimeSpan.FromSeconds(1) };

        var first = pacer.TryPass("a");
        clock.Advance(TimeSpan.FromMilliseconds(200));
        var soonAfter = pacer.TryPass("a");
        var otherTask = pacer.TryPass("b");
        clock.Advance(TimeSpan.FromMilliseconds(800));
        var aSecondLater = pacer.TryPass("a");
        var rightAfter = pacer.TryPass("a");

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.True, "the first run passes");
            Assert.That(soonAfter, Is.False, "a run 200 ms later does not");
            Assert.That(otherTask, Is.True, "each task has its own pace");
            Assert.That(aSecondLater, Is.True, "a second after the last pass it passes again");
            Assert.That(rightAfter, Is.False, "and that pass counts as the last one");
        });
    }
}
