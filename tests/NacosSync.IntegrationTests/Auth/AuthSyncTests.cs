using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NacosSync.Core.Options;
using NacosSync.Core.Sync;
using NacosSync.Engine.Auth;
using NacosSync.Engine.Clusters;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Sandbox;
using NacosSync.Storage.Database;
using NacosSync.Storage.State;

namespace NacosSync.IntegrationTests.Auth;

/// <summary>The auth kind, database mode, from a 2.4 source into a 3.0 target (their public namespaces differ: "" and "public").</summary>
[TestFixture]
internal sealed class AuthSyncTests : IDisposable
{
    // bcrypt hashes as Nacos stores them (the daemon never computes or checks one: it copies them).
    private const string AliceHash = "$2a$10$EuWPZHzz32dJN7jexM34MOeYirDdFAZm2kuWj7VEOJhhZkDrxfvUu";
    private const string DaveSourceHash = "$2a$10$0000000000000000000000000000000000000000000000000000a";
    private const string DaveTargetHash = "$2a$10$1111111111111111111111111111111111111111111111111111b";

    private SandboxCluster _source = null!;
    private SandboxCluster _target = null!;
    private SqlDatabase _sourceDb = null!;
    private SqlDatabase _targetDb = null!;
    private AuthSyncRunner _runner = null!;
    private ClusterRegistry _clusters = null!;

    [SetUp]
    public async Task StartAsync()
    {
        var (sourceDb, sourceCs) = await MariaDbServer.CreateDatabaseWithConnectionStringAsync("authsrc");
        var (targetDb, targetCs) = await MariaDbServer.CreateDatabaseWithConnectionStringAsync("authtgt");
        var stateDb = await MariaDbServer.CreateDatabaseAsync("authstate");
        await new StateSchemaMigrator(stateDb, NullLogger<StateSchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        (_sourceDb, _targetDb) = (sourceDb, targetDb);
        _source = await SandboxCluster.StartAsync(new SandboxClusterOptions { Nodes = 1, Profile = NacosVersionProfile.V2_4, Database = sourceDb }, CancellationToken.None);
        _target = await SandboxCluster.StartAsync(new SandboxClusterOptions { Nodes = 1, Profile = NacosVersionProfile.V3_0, Database = targetDb }, CancellationToken.None);
        var options = new NacosSyncOptions();
        options.Clusters["src"] = new ClusterOptions { ServerAddresses = [.. _source.ServerAddresses], Database = new DatabaseOptions { ConnectionString = sourceCs } };
        options.Clusters["tgt"] = new ClusterOptions { ServerAddresses = [.. _target.ServerAddresses], Database = new DatabaseOptions { ConnectionString = targetCs }, Username = "sync" };
        options.Tasks["t"] = new SyncTaskOptions { Source = "src", Target = "tgt", Auth = new AuthSyncOptions { Enabled = true } };
        _clusters = new ClusterRegistry(Options.Create(options), TimeProvider.System, NullLoggerFactory.Instance);
        _runner = new AuthSyncRunner(new FixedOptionsMonitor(options), _clusters, new MySqlRunStateStore(stateDb, TimeProvider.System), TimeProvider.System,
            NullLogger<AuthSyncRunner>.Instance);

        await ExecAsync(_sourceDb, "INSERT INTO users VALUES ('alice', @AliceHash, 1), ('bob', '$2a$10$bob', 1), ('dave', @DaveSourceHash, 1), ('srcadmin', '$2a$10$srcadmin', 1)",
            new { AliceHash, DaveSourceHash });
        await ExecAsync(_sourceDb, "INSERT INTO roles VALUES ('alice', 'ROLE_DEV'), ('bob', 'ROLE_DEV'), ('srcadmin', 'ROLE_ADMIN')");
        await ExecAsync(_sourceDb, "INSERT INTO permissions VALUES ('ROLE_DEV', 'dev:*:*', 'r'), ('ROLE_DEV', ':*:*', 'rw')");
        await ExecAsync(_targetDb, "INSERT INTO users VALUES ('root', '$2a$10$root', 1), ('sync', '$2a$10$sync', 1), ('carol', '$2a$10$carol', 1), ('dave', @DaveTargetHash, 1)",
            new { DaveTargetHash });
        await ExecAsync(_targetDb, "INSERT INTO roles VALUES ('root', 'ROLE_ADMIN'), ('carol', 'ROLE_OPS')");
        await ExecAsync(_targetDb, "INSERT INTO permissions VALUES ('ROLE_OPS', 'ops:*:*', 'w')");
    }

    [TearDown]
    public async Task StopAsync()
    {
        Dispose();
        await _source.DisposeAsync();
        await _target.DisposeAsync();
    }

    public void Dispose() => _clusters?.Dispose();

    [Test]
    public async Task Users_roles_and_permissions_reach_the_target_with_the_sources_hashes_and_its_namespaces_mapped_and_only_copies_are_removed()
    {
        var first = await _runner.RunAsync("t", SyncMode.Full, SyncRunRequest.Default, CancellationToken.None);
        Assert.That(first.Errors.Select(e => e.Message), Is.Empty);
        Assert.Multiple(async () =>
        {
            Assert.That(await ScalarAsync(_targetDb, "SELECT password FROM users WHERE username = 'alice'"), Is.EqualTo(AliceHash),
                "the hash as it is: alice logs into the target with her source password");
            Assert.That(await ScalarAsync(_targetDb, "SELECT COUNT(*) FROM roles WHERE username IN ('alice', 'bob') AND role = 'ROLE_DEV'"), Is.EqualTo("2"));
            Assert.That(await ListAsync(_targetDb, "SELECT CONCAT(resource, ' ', action) FROM permissions WHERE role = 'ROLE_DEV' ORDER BY resource"),
                Is.EqualTo(new[] { "dev:*:* r", "public:*:* rw" }), "2.x's public namespace '' is 3.x's 'public' in the resource");
            Assert.That(await ScalarAsync(_targetDb, "SELECT COUNT(*) FROM users WHERE username = 'srcadmin'"), Is.EqualTo("0"), "the source's admin is not copied by default");
            Assert.That(await ScalarAsync(_targetDb, "SELECT password FROM users WHERE username = 'dave'"), Is.EqualTo(DaveTargetHash), "a user both have keeps the target's password");
            Assert.That(first.LeftAlone, Has.Some.Contains("dave").And.Some.Contains("srcadmin"), "both reported by name");
            Assert.That(string.Join(" ", first.LeftAlone.Concat(first.Differences.Select(d => d.Key))), Does.Not.Contain("$2a$"), "no hash in what a run reports");
        });

        await ExecAsync(_sourceDb, "DELETE FROM roles WHERE username = 'bob'");
        await ExecAsync(_sourceDb, "DELETE FROM users WHERE username = 'bob'");
        var second = await _runner.RunAsync("t", SyncMode.Incremental, SyncRunRequest.Default, CancellationToken.None);
        Assert.Multiple(async () =>
        {
            Assert.That((second.Removed, second.Errors.Count), Is.EqualTo((2L, 0)), "bob and his role binding, which the task created, follow the source");
            Assert.That(await ListAsync(_targetDb, "SELECT username FROM users ORDER BY username"), Is.EqualTo(new[] { "alice", "carol", "dave", "root", "sync" }),
                "the target's own users, its admin and the daemon's login stay");
        });

        var quiet = await _runner.RunAsync("t", SyncMode.Incremental, SyncRunRequest.Default, CancellationToken.None);
        Assert.That((quiet.Read, quiet.Added, quiet.Removed), Is.EqualTo((0L, 0L, 0L)), "neither side moved: an incremental run reads only the fingerprints");
    }

    [Test]
    public async Task A_plan_lists_what_it_would_copy_and_writes_nothing()
    {
        var plan = await _runner.RunAsync("t", SyncMode.Full, new SyncRunRequest(DryRun: true), CancellationToken.None);
        Assert.Multiple(async () =>
        {
            Assert.That(plan.Differences.Select(d => d.Key), Has.Some.EqualTo("user alice").And.Some.EqualTo("permission ROLE_DEV r dev:*:*"));
            Assert.That(await ScalarAsync(_targetDb, "SELECT COUNT(*) FROM users WHERE username = 'alice'"), Is.EqualTo("0"), "nothing written");
        });
    }

    private static async Task ExecAsync(SqlDatabase db, string sql, object? args = null)
    {
        await using var c = await db.OpenAsync(CancellationToken.None);
        await c.ExecuteAsync(sql, args);
    }

    private static async Task<string?> ScalarAsync(SqlDatabase db, string sql)
    {
        await using var c = await db.OpenAsync(CancellationToken.None);
        return (await c.ExecuteScalarAsync(sql))?.ToString();
    }

    private static async Task<List<string>> ListAsync(SqlDatabase db, string sql)
    {
        await using var c = await db.OpenAsync(CancellationToken.None);
        return [.. await c.QueryAsync<string>(sql)];
    }

    private sealed class FixedOptionsMonitor(NacosSyncOptions value) : IOptionsMonitor<NacosSyncOptions>
    {
        public NacosSyncOptions CurrentValue => value;

        public NacosSyncOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<NacosSyncOptions, string?> listener) => null;
    }
}
