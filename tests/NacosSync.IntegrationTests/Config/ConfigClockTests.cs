using Dapper;
using NacosSync.Core.Sync;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Config;

/// <summary>
/// Change times from <c>his_config_info</c> under a database in another time zone, and under history written by a
/// JVM clock that differs from the database's (Nacos before 2.4, reference §4). Changes the server's global time
/// zone for new connections, so it runs alone.
/// </summary>
[TestFixture]
[NonParallelizable]
internal sealed class ConfigClockTests
{
    [TearDown]
    public async Task ResetTimeZoneAsync()
    {
        await using var c = await MariaDbServer.Root.OpenAsync(CancellationToken.None);
        await c.ExecuteAsync("SET GLOBAL time_zone = 'SYSTEM'");
    }

    [TestCase("+08:00", 0, TestName = "Lag is measured right with the database in UTC+8")]
    [TestCase("-05:00", 0, TestName = "Lag is measured right with the database in UTC-5")]
    [TestCase("+00:00", -2, TestName = "Lag is measured right with history written by a JVM clock two hours behind the database")]
    [TestCase("+00:00", 3, TestName = "Lag is measured right with history written by a JVM clock three hours ahead of the database")]
    public async Task Lag_is_measured_right(string zone, int historySkewHours)
    {
        await using (var c = await MariaDbServer.Root.OpenAsync(CancellationToken.None))
        {
            await c.ExecuteAsync("SET GLOBAL time_zone = @zone", new { zone });
        }

        await using var h = await ConfigSyncHarness.StartAsync(NacosVersionProfile.V2_4);
        await using (var c = await h.SourceDatabase.OpenAsync(CancellationToken.None))
        {
            Assert.That(await c.ExecuteScalarAsync<string>("SELECT @@session.time_zone"), Is.EqualTo(zone), "test setup: the source database's sessions run in the zone");
        }

        await h.WriteSourceAsync("k", "v1");
        var fullStarted = DateTimeOffset.UtcNow;
        Assert.That((await h.RunAsync(SyncMode.Full)).Succeeded, Is.True, "initial copy");
        await h.WriteSourceAsync("k", "v2");
        if (historySkewHours != 0)
        {
            // Every history row of the key, as a server whose JVM clock is off writes them all.
            await using var c = await h.SourceDatabase.OpenAsync(CancellationToken.None);
            await c.ExecuteAsync("UPDATE his_config_info SET gmt_modified = gmt_modified + INTERVAL @hours HOUR WHERE data_id = 'k'", new { hours = historySkewHours });
        }

        h.Task.Config.PublishUpTo = 0; // rows written behind the nodes' backs (what the skipped refresh is for), not published
        h.Task.Config.VerifyDeadline = TimeSpan.FromMilliseconds(400);
        var stale = await h.RunAsync(SyncMode.Incremental, h.Runner(skipRefresh: true));
        var staleEnded = DateTimeOffset.UtcNow;
        Assert.That(stale.OldestPendingChange, Is.Not.Null, "the unrefreshed change is pending");
        Assert.That(stale.OldestPendingChange!.Value, Is.InRange(fullStarted.AddSeconds(-1), staleEnded),
            $"the pending change happened between the two runs' reads, not {(stale.OldestPendingChange.Value - staleEnded).TotalHours:0.#} h from now");

        h.Task.Config.VerifyDeadline = TimeSpan.FromSeconds(5);
        // A full run refreshes for keys left pending whenever it runs (an incremental one at most every 30 s).
        var proven = await h.RunAsync(SyncMode.Full);
        var maxLag = (DateTimeOffset.UtcNow - fullStarted).TotalSeconds + 1;
        Assert.That(proven.ChangeLatencies, Is.Not.Empty.And.All.InRange(0.0, maxLag), $"each latency is at most the {maxLag:0.#} s the test took, and never hours");
    }
}
