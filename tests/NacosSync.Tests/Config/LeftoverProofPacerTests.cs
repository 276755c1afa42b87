using Microsoft.Extensions.Time.Testing;
using NacosSync.Engine.Config;

namespace NacosSync.Tests.Config;

[TestFixture]
internal sealed class LeftoverProofPacerTests
{
    [Test]
    public void Left_over_keys_are_proven_once_a_second_per_task_however_many_runs_ask()
    {
        var clock = new FakeTimeProvider();
        var pacer = new LeftoverProofPacer(clock);

        var first = pacer.TryBegin("a");
        clock.Advance(TimeSpan.FromMilliseconds(200));
        var soonAfter = pacer.TryBegin("a");
        var otherTask = pacer.TryBegin("b");
        clock.Advance(TimeSpan.FromMilliseconds(800));
        var aSecondLater = pacer.TryBegin("a");
        var rightAfter = pacer.TryBegin("a");

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.True, "the first run proves them");
            Assert.That(soonAfter, Is.False, "a run 200 ms later leaves them pending as they are");
            Assert.That(otherTask, Is.True, "each task has its own pace");
            Assert.That(aSecondLater, Is.True, "a second after the last proof they are proven again");
            Assert.That(rightAfter, Is.False, "and that proof counts as the last one");
        });
    }
}
