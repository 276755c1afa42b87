using Microsoft.Extensions.Logging.Abstractions;
using NacosSync.Core.Config;
using NacosSync.Core.Options;
using NacosSync.Core.Sync;
using NacosSync.Engine.Config;
using NacosSync.Engine.Sync;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Config;

/// <summary>
/// The source watch on a 2.4 source over gRPC (docs/config.md): after a run, every key in scope is listened to; a change
/// published through the source's API pushes <c>ConfigChangeNotifyRequest</c> (the sandbox's <c>RpcConfigChangeNotifier</c>) and
/// wakes the task; a dropped connection is listened to again and the task woken once, so a change made meanwhile is not lost.
/// </summary>
[TestFixture]
internal sealed class ConfigSourceWatchTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var until = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(until), "timed out waiting: " + what);
            await Task.Delay(50);
        }
    }

    /// <summary>Takes the task's pending wake-up, if one arrives within the patience.</summary>
    private static async Task<string?> NextWakeAsync(SyncWakes wakes)
    {
        using var limit = new CancellationTokenSource(Patience);
        try
        {
            var wake = await wakes.Wakes.ReadAsync(limit.Token);
            Assert.That(wake.Kind, Is.EqualTo(SyncKind.Config), "a config push wakes the config sync");
            return wake.Task;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static Task PublishToSourceAsync(ConfigSyncHarness h, string dataId, string content) =>
        h.Client("src", h.Source).PublishAsync(new ConfigRow(h.SourceKey(dataId), content, new ConfigAttributes("text", "", "", "", "")), null, CancellationToken.None);

    [Test]
    public async Task A_change_published_in_the_source_wakes_the_task_and_a_push_during_a_run_wakes_it_again()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4, ConfigSyncMode.Database, NacosVersionProfile.V3_3, targetNodes: 1, transport: ClusterTransport.Auto);
        var wakes = new SyncWakes();
        await using var watches = new ConfigSourceWatches(wakes, NullLoggerFactory.Instance);
        var runner = h.Runner(watches: watches);
        await h.WriteSourceAsync("a.yaml", "a: 1");
        await h.WriteSourceAsync("b.yaml", "b: 1");
        var full = await h.RunAsync(SyncMode.Full, runner);
        await EventuallyAsync(() => watches.Of("src")?.Listened >= 2, "both keys listened to");

        await PublishToSourceAsync(h, "a.yaml", "a: 2");
        var woken = await NextWakeAsync(wakes);
        wakes.Begin(ConfigSyncHarness.TaskName, SyncKind.Config);
        await PublishToSourceAsync(h, "b.yaml", "b: 2");
        var again = await NextWakeAsync(wakes);
        await PublishToSourceAsync(h, "b.yaml", "b: 3");
        await EventuallyAsync(() => watches.Of("src")!.Pushes >= 3, "three pushes");
        var incremental = await h.RunAsync(SyncMode.Incremental, runner);

        Assert.Multiple(async () =>
        {
            Assert.That(full.Succeeded, Is.True);
            Assert.That(woken, Is.EqualTo(ConfigSyncHarness.TaskName), "the push woke the task");
            Assert.That(again, Is.EqualTo(ConfigSyncHarness.TaskName), "a push after the run began wakes it once more");
            Assert.That(wakes.Wakes.TryRead(out _), Is.False, "the third push, before any run began, was coalesced with the second");
            Assert.That(incremental.Updated, Is.EqualTo(2), "the run after the pushes copies both changes from the history");
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("b.yaml")), Is.All.EqualTo(ConfigMd5.Of("b: 3")));
        });
    }

    [Test]
    public async Task After_the_source_drops_the_connection_every_key_is_listened_to_again_and_a_change_made_meanwhile_arrives()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4, ConfigSyncMode.Database, NacosVersionProfile.V3_3, targetNodes: 1, transport: ClusterTransport.Auto);
        var wakes = new SyncWakes();
        await using var watches = new ConfigSourceWatches(wakes, NullLoggerFactory.Instance);
        var runner = h.Runner(watches: watches);
        await h.WriteSourceAsync("a.yaml", "a: 1");
        await h.RunAsync(SyncMode.Full, runner);
        await EventuallyAsync(() => watches.Of("src")?.Listened >= 1, "the key listened to");
        var watch = watches.Of("src")!;

        var dropped = h.Source.Nodes[0].ConnectionFaults.DropAllConnections();
        await h.WriteSourceAsync("a.yaml", "a: 2");
        await EventuallyAsync(() => watch.Relistens >= 1, "listened to again after the reconnect");
        var woken = await NextWakeAsync(wakes);
        var incremental = await h.RunAsync(SyncMode.Incremental, runner);
        await PublishToSourceAsync(h, "a.yaml", "a: 3");
        await EventuallyAsync(() => watch.Pushes >= 1, "a push on the new connection");

        Assert.Multiple(async () =>
        {
            Assert.That(dropped, Is.GreaterThanOrEqualTo(1), "the watch's connection was dropped");
            Assert.That(woken, Is.EqualTo(ConfigSyncHarness.TaskName), "woken once after listening again");
            Assert.That(incremental.Updated, Is.EqualTo(1), "the change made while the connection was down is copied");
            Assert.That(await h.ServedByEveryNodeAsync(h.TargetKey("a.yaml")), Is.All.EqualTo(ConfigMd5.Of("a: 2")));
            Assert.That(watch.Pushes, Is.GreaterThanOrEqualTo(1), "the new connection listens: the server pushed the next change");
        });
    }

    [Test]
    public async Task A_1_4_source_is_not_watched()
    {
        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V1_4, ConfigSyncMode.Database, NacosVersionProfile.V3_3, targetNodes: 1, transport: ClusterTransport.Auto);
        await using var watches = new ConfigSourceWatches(new SyncWakes(), NullLoggerFactory.Instance);
        await h.WriteSourceAsync("a.yaml", "a: 1");

        var full = await h.RunAsync(SyncMode.Full, h.Runner(watches: watches));

        Assert.That(full.Succeeded, Is.True);
        Assert.That(watches.Of("src"), Is.Null, "1.4 has no gRPC: its changes are found by the schedule alone");
    }
}
