using NacosSync.Engine.Config;

namespace NacosSync.Tests.Config;

[TestFixture]
internal sealed class ConfigChangeWakesTests
{
    [Test]
    public void Requests_before_a_run_begins_are_one_and_a_request_after_it_began_is_another()
    {
        var wakes = new ConfigChangeWakes();

        wakes.Request("t");
        wakes.Request("t");
        wakes.Request("u");
        var first = Drain(wakes);
        wakes.Begin("t");
        wakes.Request("t");
        wakes.Request("u");
        var second = Drain(wakes);

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(new[] { "t", "u" }), "one wake per task until its run begins");
            Assert.That(second, Is.EqualTo(new[] { "t" }), "t's run began, so its new push wakes it again; u's run has not begun: still one");
            Assert.That(wakes.Requests, Is.EqualTo(5));
        });
    }

    private static List<string> Drain(ConfigChangeWakes wakes)
    {
        var read = new List<string>();
        while (wakes.Wakes.TryRead(out var task))
        {
            read.Add(task);
        }

        return read;
    }
}
