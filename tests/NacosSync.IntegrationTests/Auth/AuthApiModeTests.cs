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

/// <summary>
/// The auth kind in API mode: the daemon has no access to the target's database, so roles and permissions go through the
/// target's auth API (3.x <c>/v3/auth/role</c>, <c>/v3/auth/permission</c>), and the users it cannot copy are named. The
/// source is read from its database or through its API (<c>/v1/auth/users|roles|permissions</c>).
/// </summary>
[TestFixture]
internal sealed class AuthApiModeTests
{
    private const string NacosHash = "$2a$10$EuWPZHzz32dJN7jexM34MOeYirDdFAZm2kuWj7VEOJhhZkDrxfvUu";

    [TestCase(false, TestName = "API mode: source read from its database, roles and permissions written through the target's v3 API")]
    [TestCase(true, TestName = "API mode: source read through its v1 API, roles and permissions written through the target's v3 API")]
    public async Task Roles_and_permissions_go_through_the_api_and_the_users_it_cannot_copy_are_named(bool sourceThroughApi)
    {
        var (sourceDb, sourceCs) = await MariaDbServer.CreateDatabaseWithConnectionStringAsync("apisrc");
        var targetDb = await MariaDbServer.CreateDatabaseAsync("apitgt");
        var stateDb = await MariaDbServer.CreateDatabaseAsync("apistate");
        await new StateSchemaMigrator(stateDb, NullLogger<StateSchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        await using var source = await SandboxCluster.StartAsync(new SandboxClusterOptions
        {
            Profile = NacosVersionProfile.V2_4, Database = sourceDb, AuthEnabled = true, AdminPassword = "src-admin",
        }, CancellationToken.None);
        await using var target = await SandboxCluster.StartAsync(new SandboxClusterOptions
        {
            Profile = NacosVersionProfile.V3_0, Database = targetDb, AuthEnabled = true, AdminPassword = "tgt-admin",
        }, CancellationToken.None);
        await ExecAsync(sourceDb, "INSERT INTO users VALUES ('alice', @NacosHash, 1), ('bob', @NacosHash, 1)", new { NacosHash });
        await ExecAsync(sourceDb, "INSERT INTO roles (username, role) VALUES ('alice', 'ROLE_DEV'), ('bob', 'ROLE_OPS')");
        await ExecAsync(sourceDb, "INSERT INTO permissions VALUES ('ROLE_DEV', ':*:*', 'r'), ('ROLE_OPS', 'ops:*:*', 'rw')");
        await ExecAsync(targetDb, "INSERT INTO users VALUES ('alice', @NacosHash, 1)", new { NacosHash }); // the target's operators made alice

        var options = new NacosSyncOptions { State = { Database = { ConnectionString = "Server=127.0.0.1;Database=s;User ID=s;Password=p" } } };
        options.Clusters["src"] = new ClusterOptions
        {
            ServerAddresses = [.. source.ServerAddresses], Username = "nacos", Password = "src-admin",
            Database = sourceThroughApi ? null : new DatabaseOptions { ConnectionString = sourceCs },
        };
        options.Clusters["tgt"] = new ClusterOptions { ServerAddresses = [.. target.ServerAddresses], Username = "nacos", Password = "tgt-admin" };
        options.Tasks["t"] = new SyncTaskOptions
        {
            Source = "src", Target = "tgt", Naming = { Enabled = false }, Config = { Enabled = false }, Auth = new AuthSyncOptions { Enabled = true },
        };
        var validation = new NacosSyncOptionsValidator().Validate(null, options);
        Assert.That(validation.Failed ? validation.Failures : [], Is.Empty, "API mode passes validation");
        using var clusters = new ClusterRegistry(Options.Create(options), TimeProvider.System, NullLoggerFactory.Instance);
        var runner = new AuthSyncRunner(new StaticMonitor(options), clusters, new MySqlRunStateStore(stateDb, TimeProvider.System), TimeProvider.System,
            NullLogger<AuthSyncRunner>.Instance);

        var run = await runner.RunAsync("t", SyncMode.Full, SyncRunRequest.Default, CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That(run.Errors.Select(e => e.Message), Is.Empty);
            Assert.That(await ListAsync(targetDb, "SELECT CONCAT(role, ' ', username) FROM roles ORDER BY role, username"),
                Is.EqualTo(new[] { "ROLE_ADMIN nacos", "ROLE_DEV alice" }), "alice's binding went through POST /v3/auth/role; bob is no user of the target");
            Assert.That(await ListAsync(targetDb, "SELECT CONCAT(role, ' ', resource, ' ', action) FROM permissions ORDER BY role"),
                Is.EqualTo(new[] { "ROLE_DEV public:*:* r" }), "the permission went through POST /v3/auth/permission with 2.x's public namespace as 3.x's");
            Assert.That(await ListAsync(targetDb, "SELECT username FROM users ORDER BY username"), Is.EqualTo(new[] { "alice", "nacos" }), "no user created");
            Assert.That(run.LeftAlone, Has.Some.StartsWith("user bob not copied").And.Some.Contains("bcrypt hash"), "bob is named, with why");
            Assert.That(run.LeftAlone, Has.Some.StartsWith("role ROLE_OPS of bob not copied").And.Some.StartsWith("permission ROLE_OPS rw ops:*:* not copied"));
            Assert.That(run.Added, Is.EqualTo(2), "one binding and one permission");
            Assert.That(string.Join(" ", run.LeftAlone), Does.Not.Contain("$2a$"), "never a hash");
        });

        var again = await runner.RunAsync("t", SyncMode.Incremental, SyncRunRequest.Default, CancellationToken.None);
        Assert.That((again.Added, again.Errors.Count), Is.EqualTo((0L, 0)), "nothing moved: nothing to write");
    }

    private static async Task ExecAsync(SqlDatabase db, string sql, object? args = null)
    {
        await using var c = await db.OpenAsync(CancellationToken.None);
        await c.ExecuteAsync(sql, args);
    }

    private static async Task<List<string>> ListAsync(SqlDatabase db, string sql)
    {
        await using var c = await db.OpenAsync(CancellationToken.None);
        return [.. await c.QueryAsync<string>(sql)];
    }

    private sealed class StaticMonitor(NacosSyncOptions value) : IOptionsMonitor<NacosSyncOptions>
    {
        public NacosSyncOptions CurrentValue => value;

        public NacosSyncOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<NacosSyncOptions, string?> listener) => null;
    }
}
