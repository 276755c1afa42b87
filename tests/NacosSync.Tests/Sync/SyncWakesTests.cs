using NacosSync.Core.Sync;
using NacosSync.Engine.Sync;

namespace NacosSync.Tests.Sync;

[TestFixture]
internal sealed class SyncWakesTests
{
    [Test]
    public void Requests_before_a_run_begins_are_one_and_a_request_after_it_began_is_another()
    {
        var wakes = new SyncWakes();

        wakes.Request("t", SyncKind.Config);
        wakes.Request("t", SyncKind.Config);
        wakes.Request("u", SyncKind.Config);
        var first = Drain(wakes);
        wakes.Begin("t", SyncKind.Config);
        wakes.Request("t", SyncKind.Config);
        wakes.Request("u", SyncKind.Config);
        var second = Drain(wakes);

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(new[] { new SyncWake("t", SyncKind.Config), new SyncWake("u", SyncKind.Config) }), "one wake per task until its run begins");
            Assert.That(second, Is.EqualTo(new[] { new SyncWake("t", SyncKind.Config) }), "t's run began, so its new push wakes it again; u's run has not begun: still one");
            Assert.That(wakes.Requests, Is.EqualTo(5));
        });
    }

    [Test]
    public void A_task_s_kinds_are_woken_apart_and_one_kind_s_run_does_not_clear_the_other()
    {
        var wakes = new SyncWakes();

        wakes.Request("t", SyncKind.Naming);
        wakes.Request("t", SyncKind.Config);
        var first = Drain(wakes);
        wakes.Begin("t", SyncKind.Naming);
        wakes.Request("t", SyncKind.Naming);
        wakes.Request("t", SyncKind.Config);
        var second = Drain(wakes);

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EquivalentTo(new[] { new SyncWake("t", SyncKind.Naming), new SyncWake("t", SyncKind.Config) }));
            Assert.That(second, Is.EqualTo(new[] { new SyncWake("t", SyncKind.Naming) }), "the naming run began; the config request is still the first one");
        });
    }

    private static List<SyncWake> Drain(SyncWakes wakes)
    {
        var read = new List<SyncWake>();
        while (wakes.Wakes.TryRead(out var wake))
        {
            read.Add(wake);
        }

        return read;
    }
}
