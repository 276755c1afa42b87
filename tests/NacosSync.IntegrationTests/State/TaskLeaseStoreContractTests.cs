using Microsoft.Extensions.Logging.Abstractions;
using NacosSync.Core.State;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Storage.State;

namespace NacosSync.IntegrationTests.State;

/// <summary>One lease contract, two stores: in memory (one replica) and MySQL (replicas taking over from each other).</summary>
[TestFixture("memory")]
[TestFixture("mysql")]
internal sealed class TaskLeaseStoreContractTests(string store)
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(6);
    private FakeTimeProvider _clock = null!;
    private ITaskLeaseStore _leases = null!;

    [SetUp]
    public async Task SetUp()
    {
        _clock = new FakeTimeProvider(Start);
        if (store == "memory")
        {
            _leases = new InMemoryTaskLeaseStore(_clock);
            return;
        }

        var database = await MariaDbServer.CreateDatabaseAsync("lease");
        await new StateSchemaMigrator(database, NullLogger<StateSchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        _leases = new MySqlTaskLeaseStore(database, _clock);
    }

    [Test]
    public async Task A_free_task_goes_to_the_first_taker_and_a_live_lease_is_not_taken()
    {
        var a = await _leases.TryAcquireAsync("t1", "a", Duration, CancellationToken.None);
        var b = await _leases.TryAcquireAsync("t1", "b", Duration, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(a.Owner, Is.EqualTo("a"));
            Assert.That(a.Token, Is.EqualTo(1), "the first owner of a task holds token 1");
            Assert.That(a.ExpiresAt, Is.EqualTo(Start + Duration));
            Assert.That(b, Is.EqualTo(a), "b is told who holds it and gets nothing");
        });
    }

    [Test]
    public async Task Renewal_keeps_the_token_and_takeover_after_expiry_moves_it_by_one()
    {
        var a = await _leases.TryAcquireAsync("t1", "a", Duration, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.That(await _leases.RenewAsync(a, Duration, CancellationToken.None), Is.True, "a live lease renews");
        _clock.Advance(TimeSpan.FromSeconds(7));

        var b = await _leases.TryAcquireAsync("t1", "b", Duration, CancellationToken.None);
        var renewedLate = await _leases.RenewAsync(a, Duration, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(b.Owner, Is.EqualTo("b"), "a lapsed lease goes to the next taker");
            Assert.That(b.Token, Is.EqualTo(2), "each handover moves the fencing token by one");
            Assert.That(renewedLate, Is.False, "the replaced owner cannot renew its old lease");
        });
    }

    [Test]
    public async Task A_stale_lease_fails_the_fencing_check_with_a_message_naming_both_owners()
    {
        var a = await _leases.TryAcquireAsync("t1", "a", Duration, CancellationToken.None);
        await _leases.EnsureCurrentAsync(a, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(7));
        await _leases.TryAcquireAsync("t1", "b", Duration, CancellationToken.None);

        var refused = Assert.ThrowsAsync<StaleTaskLeaseException>(() => _leases.EnsureCurrentAsync(a, CancellationToken.None));
        Assert.That(refused!.Message, Does.Contain("token 1").And.Contain("token 2 of b"), "the error says whose lease is current");
    }

    [Test]
    public async Task A_released_lease_is_free_at_once_and_the_next_owner_gets_the_next_token()
    {
        var a = await _leases.TryAcquireAsync("t1", "a", Duration, CancellationToken.None);
        await _leases.ReleaseAsync(a, CancellationToken.None);
        var b = await _leases.TryAcquireAsync("t1", "b", Duration, CancellationToken.None);

        Assert.That((b.Owner, b.Token), Is.EqualTo(("b", 2L)), "no wait for expiry after a release");
    }

    [Test]
    public async Task Members_count_as_alive_until_their_announcement_lapses()
    {
        Assert.That(await _leases.AnnounceAsync("a", Duration, CancellationToken.None), Is.EqualTo(1));
        Assert.That(await _leases.AnnounceAsync("b", Duration, CancellationToken.None), Is.EqualTo(2));
        _clock.Advance(TimeSpan.FromSeconds(4));
        Assert.That(await _leases.AnnounceAsync("a", Duration, CancellationToken.None), Is.EqualTo(2), "b announced 4 s ago: alive");
        _clock.Advance(TimeSpan.FromSeconds(3));
        Assert.That(await _leases.AnnounceAsync("a", Duration, CancellationToken.None), Is.EqualTo(1), "b stopped announcing 7 s ago: gone");
    }
}
