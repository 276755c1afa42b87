using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using NacosSync.Core.Naming;
using NacosSync.Core.Options;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.Engine.Clusters;
using NacosSync.Engine.Naming;
using NacosSync.Engine.Telemetry;
using NacosSync.Tests.Infrastructure;
using static NacosSync.Tests.Naming.NamingTestData;

namespace NacosSync.Tests.Naming;

/// <summary>The real keeper loop, driven by <see cref="FakeTimeProvider"/>; the only waits are for requests to arrive (with a safety net).</summary>
[TestFixture]
public sealed class ReplicaKeeperTests
{
    private const string Good = "10.0.0.100";
    private const string Bad = "10.0.0.200";

    private sealed class Rig : IAsyncDisposable
    {
        public Rig(Func<HttpRequestMessage, string, CancellationToken, Task<HttpResponseMessage>> respond, IRunStateStore? store = null,
            ReplicaKeeperOptions? options = null, IReadOnlyCollection<string>? restore = null, SyncMetrics? metrics = null)
        {
            var nacos = new NacosSyncOptions();
            nacos.Clusters["b"] = new ClusterOptions { ServerAddresses = [Good + ":8848"], RequestTimeout = TimeSpan.FromSeconds(60) };
            nacos.Clusters["bad"] = new ClusterOptions { ServerAddresses = [Bad + ":8848"], RequestTimeout = TimeSpan.FromSeconds(60) };
            Handler = new ScriptedNacosHandler(respond);
            Store = store ?? new InMemoryRunStateStore(Clock);
            Clients = new ClusterRegistry(Microsoft.Extensions.Options.Options.Create(nacos), Clock, NullLoggerFactory.Instance, new HttpClient(Handler));
            Keeper = new ReplicaKeeper(Clients, Store, Clock, Logger, metrics, options, restore);
        }

        public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

        public ScriptedNacosHandler Handler { get; }

        public IRunStateStore Store { get; }

        public ClusterRegistry Clients { get; }

        public FakeLogger<ReplicaKeeper> Logger { get; } = new();

        public ReplicaKeeper Keeper { get; }

        public async ValueTask DisposeAsync()
        {
            await Keeper.StopAsync(CancellationToken.None);
            Keeper.Dispose();
            Clients.Dispose();
        }
    }

    /// <summary>Waits for the keeper to finish work already started (a safety net of 10 s, not a timing).</summary>
    private static async Task<bool> Until(Func<bool> condition)
    {
        for (var i = 0; i < 1000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        return condition();
    }

    private static Task<HttpResponseMessage> Answer(HttpRequestMessage request) => Task.FromResult(request.Method == HttpMethod.Put
        ? ScriptedNacosHandler.BeatAnswer(10200)
        : ScriptedNacosHandler.Text(HttpStatusCode.OK, "ok"));

    [Test]
    public async Task One_hung_target_node_does_not_delay_the_beats_of_other_replicas()
    {
        await using var rig = new Rig(async (request, _, ct) =>
        {
            if (request.RequestUri!.Host == Bad)
            {
                await Task.Delay(Timeout.Infinite, ct); // hangs until the keeper stops
            }

            return await Answer(request);
        });
        var healthy = Owned(Instance("10.0.1.2"));
        rig.Keeper.Track("t", "bad", Owned(Instance("10.0.1.1")));
        rig.Keeper.Track("t", "b", healthy);
        await rig.Keeper.StartAsync(CancellationToken.None);

        for (var interval = 1; interval <= 4; interval++)
        {
            rig.Clock.Advance(TimeSpan.FromSeconds(5));
            Assert.That(await rig.Handler.NextRequestToAsync(Good), Is.True, $"interval {interval}: the healthy cluster's replica is beaten although the other node hangs");
            if (interval == 1)
            {
                Assert.That(await rig.Handler.NextRequestToAsync(Bad), Is.True, "the other replica's beat is sent, and hangs from now on");
            }

            Assert.That(await Until(() => !rig.Keeper.IsBeating("t", healthy.Key)), Is.True,
                $"interval {interval}: the healthy replica's beat returns before time moves on (one still in flight would put its next beat off)");
        }

        Assert.That(rig.Handler.CountTo(Bad, HttpMethod.Put), Is.EqualTo(1), "the hung replica is not beaten again while its beat hangs (never two at once)");
    }

    [Test]
    public async Task A_node_whose_beats_keep_failing_is_reported_once_a_minute_not_once_per_beat()
    {
        await using var rig = new Rig((request, _, _) => Task.FromResult(request.RequestUri!.Host == Bad
            ? ScriptedNacosHandler.Text(HttpStatusCode.BadRequest, "caused: node is sick;")
            : ScriptedNacosHandler.BeatAnswer(10200)));
        var failing = Owned(Instance("10.0.1.1"));
        rig.Keeper.Track("t", "bad", failing);
        await rig.Keeper.StartAsync(CancellationToken.None);

        for (var step = 1; step <= 12; step++)
        {
            rig.Clock.Advance(TimeSpan.FromSeconds(5));
            Assert.That(await rig.Handler.NextRequestToAsync(Bad), Is.True, $"step {step}: the failing replica is still beaten");
            Assert.That(await Until(() => rig.Keeper.BeatsSent >= step && !rig.Keeper.IsBeating("t", failing.Key)), Is.True,
                $"step {step}: the beat's answer is handled before time moves on");
        }

        // Twelve beats in 55 s of failures have been handled and logged.
        Assert.That(rig.Logger.Collector.GetSnapshot().Count(r => r.Id.Id == 4151), Is.EqualTo(1), "twelve failed beats within a minute make one warning, not twelve");
    }

    [Test]
    public async Task A_beat_in_flight_answered_20404_after_the_replica_was_removed_does_not_register_it_again()
    {
        var release = new TaskCompletionSource<HttpResponseMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var rig = new Rig((request, _, _) => request.Method == HttpMethod.Put ? release.Task : Answer(request));
        var replica = Owned(Instance("10.0.1.1"));
        rig.Keeper.Track("t", "b", replica);
        await rig.Keeper.StartAsync(CancellationToken.None);

        rig.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.That(await rig.Handler.NextRequestToAsync(Good), Is.True, "the beat is sent");
        var forgetting = rig.Keeper.ForgetAsync("t", [replica.Key.Address], CancellationToken.None); // the writer is about to deregister it
        var waitedForBeat = !forgetting.IsCompleted;
        release.SetResult(ScriptedNacosHandler.BeatAnswer(20404)); // the deregistration reached the server first
        await forgetting;
        rig.Clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Multiple(() =>
        {
            Assert.That(waitedForBeat, Is.True, "a removal waits for the replica's beat in flight, so it cannot race it");
            Assert.That(rig.Handler.CountTo(Good, HttpMethod.Post), Is.Zero, "the 20404 came for a replica no longer kept: it is not registered again");
            Assert.That(rig.Keeper.Count, Is.Zero);
        });
    }

    [Test]
    public async Task A_20404_registers_a_kept_replica_again_but_not_one_another_process_removed_from_the_store()
    {
        await using var rig = new Rig((request, _, _) => Task.FromResult(request.Method == HttpMethod.Put
            ? ScriptedNacosHandler.BeatAnswer(20404)
            : ScriptedNacosHandler.Text(HttpStatusCode.OK, "ok")));
        var kept = Owned(Instance("10.0.1.1"));
        var removedElsewhere = Owned(Instance("10.0.1.2"));
        rig.Keeper.Track("t", "b", kept);
        rig.Keeper.Track("t", "b", removedElsewhere);
        await rig.Keeper.SaveAsync(CancellationToken.None);

        // The CLI's resync removes one: it deletes the row before it deregisters the replica.
        await rig.Store.WriteEntriesAsync(new StateKey("t", SyncKind.Naming), StateScope.Replica, [], [removedElsewhere.Key.Address.Id], CancellationToken.None);
        await rig.Keeper.StartAsync(CancellationToken.None);
        rig.Clock.Advance(TimeSpan.FromSeconds(5));
        for (var i = 0; i < 3; i++)
        {
            Assert.That(await rig.Handler.NextRequestToAsync(Good), Is.True, "two beats and one re-registration");
        }

        Assert.That(await Until(() => !rig.Keeper.IsBeating("t", kept.Key) && !rig.Keeper.IsTracked("t", removedElsewhere.Key)), Is.True,
            "both 20404s are handled before time moves on (a beat still in flight would put the replica's next beat off)");
        rig.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.That(await rig.Handler.NextRequestToAsync(Good), Is.True, "the next interval's beat");
        var posts = rig.Handler.Requests.Where(r => r.Method == HttpMethod.Post).Select(r => Uri.UnescapeDataString(r.Body)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(posts, Is.Not.Empty.And.All.Contains("ip=10.0.1.1"), "only the replica still kept is registered again, at each 20404");
            Assert.That(rig.Keeper.IsTracked("t", removedElsewhere.Key), Is.False, "the keeper stops keeping what another process removed");
        });
    }

    [Test]
    public async Task A_mass_expiry_in_the_target_costs_one_row_lookup_per_20404_not_a_read_of_the_whole_kept_set()
    {
        var store = new CountingStore(new InMemoryRunStateStore(TimeProvider.System));
        await using var rig = new Rig((request, _, _) => Task.FromResult(request.Method == HttpMethod.Put
            ? ScriptedNacosHandler.BeatAnswer(20404)
            : ScriptedNacosHandler.Text(HttpStatusCode.OK, "ok")), store);
        const int replicas = 60; // within one pass's beat slots (64 per cluster)
        for (var i = 1; i <= replicas; i++)
        {
            rig.Keeper.Track("t", "b", Owned(Instance($"10.0.2.{i}")));
        }

        await rig.Keeper.SaveAsync(CancellationToken.None);
        var loadsBefore = store.Loads;

        rig.Clock.Advance(TimeSpan.FromSeconds(5));
        await rig.Keeper.BeatDueAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(rig.Handler.Requests.Count(r => r.Method == HttpMethod.Post), Is.EqualTo(replicas), "every kept replica registered again");
            Assert.That(store.Loads - loadsBefore, Is.Zero, "no read of the whole kept set");
            Assert.That(store.Lookups, Is.EqualTo(replicas), "one row looked up per 20404");
        });
    }

    /// <summary>Counts whole-scope reads and single-row lookups.</summary>
    private sealed class CountingStore(IRunStateStore inner) : DelegatingRunStateStore(inner)
    {
        private int _loads;
        private int _lookups;

        public int Loads => Volatile.Read(ref _loads);

        public int Lookups => Volatile.Read(ref _lookups);

        public override Task<IReadOnlyList<StateEntry>> LoadEntriesAsync(StateKey key, StateScope scope, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _loads);
            return base.LoadEntriesAsync(key, scope, cancellationToken);
        }

        public override Task<bool> ContainsEntryAsync(StateKey key, StateScope scope, string entryKey, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _lookups);
            return base.ContainsEntryAsync(key, scope, entryKey, cancellationToken);
        }
    }

    [Test]
    public async Task Unhealthy_replicas_are_registered_unhealthy_and_counted_apart_from_20404_re_registrations()
    {
        using var metrics = new SyncMetrics();
        var outcomes = new ConcurrentQueue<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter) && instrument.Name == "nacossync.heartbeats")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "outcome")
                {
                    outcomes.Enqueue((string)tag.Value!);
                }
            }
        });
        listener.Start();
        await using var rig = new Rig((request, _, _) => Task.FromResult(request.Method == HttpMethod.Put
            ? ScriptedNacosHandler.BeatAnswer(20404)
            : ScriptedNacosHandler.Text(HttpStatusCode.OK, "ok")), metrics: metrics);
        rig.Keeper.Track("t", "b", Owned(Instance("10.0.1.1", healthy: false)));
        rig.Keeper.Track("t", "b", Owned(Instance("10.0.1.2")));

        rig.Clock.Advance(TimeSpan.FromSeconds(5));
        await rig.Keeper.BeatDueAsync(CancellationToken.None);

        var unhealthy = rig.Handler.Requests.Single(r => r.Method == HttpMethod.Post && r.Body.Contains("10.0.1.1", StringComparison.Ordinal));
        Assert.Multiple(() =>
        {
            Assert.That(unhealthy.Body, Does.Contain("healthy=false"), "registered unhealthy, as in the source, not beaten (a beat would heal it)");
            Assert.That(outcomes.Order(), Is.EqualTo(new[] { "registered_unhealthy", "reregistered" }),
                "reregistered counts only 20404s; the unhealthy replica's renewal has its own outcome");
        });
    }

    [Test]
    public async Task A_new_keeper_over_a_store_with_persisted_replicas_beats_them_before_any_full_run()
    {
        var store = new InMemoryRunStateStore(TimeProvider.System);
        await using (var before = new Rig(async (r, _, _) => await Answer(r), store))
        {
            before.Keeper.Track("t", "b", Owned(Instance("10.0.1.1")));
            before.Keeper.Track("t", "b", Owned(Instance("10.0.1.2", weight: 3)));
            await before.Keeper.SaveAsync(CancellationToken.None);
        }

        await using var after = new Rig(async (r, _, _) => await Answer(r), store, restore: ["t"]);
        await after.Keeper.StartAsync(CancellationToken.None);
        after.Clock.Advance(TimeSpan.FromSeconds(5));
        for (var i = 0; i < 2; i++)
        {
            Assert.That(await after.Handler.NextRequestToAsync(Good), Is.True, "each persisted replica is beaten within the first interval, with no run at all");
        }

        var beaten = after.Handler.Requests.Select(r => Uri.UnescapeDataString(r.Uri.Query + r.Body)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(after.Keeper.Count, Is.EqualTo(2), "the kept set came from the store");
            Assert.That(beaten.Any(b => b.Contains("ip=10.0.1.1", StringComparison.Ordinal)) && beaten.Any(b => b.Contains("ip=10.0.1.2", StringComparison.Ordinal)), Is.True);
        });
    }

    [Test]
    public async Task New_replicas_are_spread_over_the_interval_and_each_is_beaten_once_per_interval()
    {
        // Room for all 100 in one pass: with the default 64 slots, a random spread that puts more than 64 in one half
        // (about 1 run in 300) defers the overflow by a tick, which is the slots' job, not the spread's.
        await using var rig = new Rig(async (r, _, _) => await Answer(r), options: new ReplicaKeeperOptions { MaxConcurrencyPerCluster = 100 });
        for (var i = 1; i <= 100; i++)
        {
            rig.Keeper.Track("t", "b", Owned(Instance($"10.0.1.{i}")));
        }

        rig.Clock.Advance(TimeSpan.FromSeconds(2.5));
        await rig.Keeper.BeatDueAsync(CancellationToken.None);
        var firstHalf = rig.Handler.Requests.Count;
        rig.Clock.Advance(TimeSpan.FromSeconds(2.5));
        await rig.Keeper.BeatDueAsync(CancellationToken.None);

        Assert.That(firstHalf, Is.InRange(20, 80), "about half of the new replicas are due after half the interval: beats are spread");
        Assert.That(rig.Handler.Requests, Has.Count.EqualTo(100), "every replica beaten once in the first interval");
        Assert.That(rig.Handler.Requests.All(r => !Uri.UnescapeDataString(r.Uri.Query + r.Body).Contains("beat=", StringComparison.Ordinal)), Is.True,
            "beats are light: a full beat would re-register a replica another process has just removed");
    }

    /// <summary>A replica as the daemon writes it for a task that declares <paramref name="interval"/> (and a timeout to match).</summary>
    private static NamingInstance Declaring(NamingInstance instance, TimeSpan interval)
    {
        var owned = Owned(instance);
        return owned with { Metadata = ReplicaHeartbeat.Apply(owned.Metadata, new ReplicaHeartbeatOptions { Interval = interval, Timeout = interval * 6, DeleteTimeout = interval * 12 }) };
    }

    private static int BeatsOf(ScriptedNacosHandler handler, string ip) =>
        handler.Requests.Count(r => r.Method == HttpMethod.Put && Uri.UnescapeDataString(r.Uri.Query + r.Body).Contains(ip, StringComparison.Ordinal));

    [Test]
    public async Task Each_replica_is_beaten_at_the_interval_its_task_declares()
    {
        await using var rig = new Rig(async (r, _, _) => await Answer(r));
        rig.Keeper.Track("ten", "b", Declaring(Instance("10.0.2.2"), TimeSpan.FromSeconds(10)));
        rig.Keeper.Track("five", "b", Owned(Instance("10.0.1.1")));
        for (var second = 1; second <= 10; second++)
        {
            rig.Clock.Advance(TimeSpan.FromSeconds(1));
            await rig.Keeper.BeatDueAsync(CancellationToken.None);
        }

        var (ten, five) = (BeatsOf(rig.Handler, "10.0.2.2"), BeatsOf(rig.Handler, "10.0.1.1"));
        for (var second = 1; second <= 20; second++)
        {
            rig.Clock.Advance(TimeSpan.FromSeconds(1));
            await rig.Keeper.BeatDueAsync(CancellationToken.None);
        }

        Assert.Multiple(() =>
        {
            Assert.That(BeatsOf(rig.Handler, "10.0.2.2") - ten, Is.EqualTo(2), "a task that declares 10 s is beaten every 10 s: twice in 20 s, not four times");
            Assert.That(BeatsOf(rig.Handler, "10.0.1.1") - five, Is.EqualTo(4), "a task with the default 5 s is beaten every 5 s");
        });
    }

    [Test]
    public async Task Beats_held_up_by_a_hung_target_show_as_overdue_and_are_reported_once_until_they_go_through()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var metrics = new SyncMetrics();
        using var overdue = new MetricCollector<double>(metrics.Meter, "nacossync.heartbeat.overdue");
        await using var rig = new Rig(async (request, _, ct) =>
        {
            await gate.Task.WaitAsync(ct);
            return await Answer(request);
        }, metrics: metrics);
        var replicas = Enumerable.Range(1, 3).Select(i => Owned(Instance($"10.0.1.{i}"))).ToList();
        foreach (var replica in replicas)
        {
            rig.Keeper.Track("t", "b", replica);
        }

        double Overdue()
        {
            overdue.RecordObservableInstruments();
            var last = overdue.LastMeasurement!;
            Assert.That(last.Tags["task"], Is.EqualTo("t"));
            return last.Value;
        }

        rig.Clock.Advance(TimeSpan.FromSeconds(5));
        _ = rig.Keeper.BeatDueAsync(CancellationToken.None); // all three sent; they hang
        Assert.That(await Until(() => rig.Handler.Requests.Count == 3), Is.True, "the three first beats reach the target");
        Assert.That(Overdue(), Is.Zero, "the next beats are not due yet");

        rig.Clock.Advance(TimeSpan.FromSeconds(10));
        _ = rig.Keeper.BeatDueAsync(CancellationToken.None);
        var first = Overdue();
        Assert.That(first, Is.InRange(5, 10), "every next beat came due while the last still hangs: the oldest is 5 to 10 s late");
        rig.Clock.Advance(TimeSpan.FromSeconds(10));
        _ = rig.Keeper.BeatDueAsync(CancellationToken.None);
        Assert.That(Overdue(), Is.EqualTo(first + 10).Within(0.001), "overdue grows with the clock while nothing goes through");
        var warnings = rig.Logger.Collector.GetSnapshot().Where(r => r.Id.Id == 4159).ToList();
        Assert.That(warnings, Has.Count.EqualTo(1), "more than one interval late is reported, once in the minute, not once per pass");
        Assert.That(warnings[0].Message, Does.Contain("3 replica(s)").And.Contain("00:00:30").And.Contain("ReplicaHolding: Connection").And.Contain("Naming:Heartbeat:Interval"),
            "the warning names how many, the declared timeout and the remedy");

        gate.SetResult();
        Assert.That(await Until(() => replicas.All(r => !rig.Keeper.IsBeating("t", r.Key))), Is.True, "the hung beats return");
        await rig.Keeper.BeatDueAsync(CancellationToken.None);
        Assert.That(rig.Handler.Requests, Has.Count.EqualTo(6), "the late beats go out as soon as the target answers");
        Assert.That(Overdue(), Is.Zero, "beats going through bring overdue back to 0");
        Assert.That(rig.Logger.Collector.GetSnapshot().Count(r => r.Id.Id == 4160), Is.EqualTo(1), "being on time again is said once");
    }
}
