using System.Text.Json.Nodes;
using Dapper;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.IntegrationTests.Sandbox;
using NacosSync.Sandbox;
using NacosSync.Storage.Database;

namespace NacosSync.IntegrationTests.Auth;

/// <summary>
/// Issue 14's "Show": the real daemon copies configs, services and auth from a 2.4 source into a 3.0 target, both with
/// auth on and both sandboxes taking their users from their Nacos databases. A user the source's admin made, with a role
/// that may read one namespace, logs in to the target with its source password, reads that namespace and is refused
/// another; the namespace arrives with its name and description before its first config and service.
/// </summary>
[TestFixture]
internal sealed class AuthEndToEndTests
{
    private const string TaskName = "e2e";

    [Test]
    public async Task A_user_copied_with_its_role_logs_in_to_the_target_reads_its_namespace_and_is_refused_another()
    {
        var (sourceDb, sourceCs) = await MariaDbServer.CreateDatabaseWithConnectionStringAsync("e2esrc");
        var (targetDb, targetCs) = await MariaDbServer.CreateDatabaseWithConnectionStringAsync("e2etgt");
        var state = await MariaDbServer.CreateDatabaseAsync("e2estate");
        await using var source = await SandboxCluster.StartAsync(Secured(NacosVersionProfile.V2_4, sourceDb, "src-admin"), CancellationToken.None);
        await using var target = await SandboxCluster.StartAsync(Secured(NacosVersionProfile.V3_0, targetDb, "tgt-admin"), CancellationToken.None);
        await ObserveConfigInsertsAsync(targetDb);
        using var src = SandboxTestKit.Client(source.Nodes[0]);
        using var tgt = SandboxTestKit.Client(target.Nodes[0]);

        // The source: two namespaces, a config in each, a service in dev, and alice, who may read dev only.
        var admin = await TokenAsync(src, "nacos", "src-admin");
        foreach (var (id, name) in new[] { ("dev", "Development"), ("prod", "Production") })
        {
            Assert.That((await src.SendAsync(HttpMethod.Post, $"/nacos/v1/console/namespaces?accessToken={admin}", new Dictionary<string, string>
            {
                ["customNamespaceId"] = id, ["namespaceName"] = name, ["namespaceDesc"] = $"the {id} namespace",
            })).Status, Is.EqualTo(200));
            Assert.That((await src.SendAsync(HttpMethod.Post, $"/nacos/v1/cs/configs?accessToken={admin}", new Dictionary<string, string>
            {
                ["dataId"] = "app.yaml", ["group"] = "DEFAULT_GROUP", ["tenant"] = id, ["content"] = $"env: {id}",
            })).Status, Is.EqualTo(200));
        }

        Assert.That((await src.SendAsync(HttpMethod.Post,
            $"/nacos/v1/ns/instance?serviceName=orders&ip=10.0.0.1&port=8080&ephemeral=false&namespaceId=dev&accessToken={admin}")).Status, Is.EqualTo(200));
        await ExecAsync(sourceDb, "INSERT INTO users VALUES ('alice', @hash, 1)", new { hash = BCrypt.Net.BCrypt.HashPassword("alice-pw", 10) });
        await ExecAsync(sourceDb, "INSERT INTO roles (username, role) VALUES ('alice', 'ROLE_DEV_READER')");
        await ExecAsync(sourceDb, "INSERT INTO permissions (role, resource, action) VALUES ('ROLE_DEV_READER', 'dev:*:*', 'r')");

        await using var daemon = await TestDaemon.StartAsync(new Dictionary<string, string?>
        {
            ["Clusters:src:ServerAddresses:0"] = source.ServerAddresses[0],
            ["Clusters:src:Username"] = "nacos",
            ["Clusters:src:Password"] = "src-admin",
            ["Clusters:src:Database:ConnectionString"] = sourceCs,
            ["Clusters:dst:ServerAddresses:0"] = target.ServerAddresses[0],
            ["Clusters:dst:Username"] = "nacos",
            ["Clusters:dst:Password"] = "tgt-admin",
            ["Clusters:dst:Database:ConnectionString"] = targetCs,
            [$"Tasks:{TaskName}:Source"] = "src",
            [$"Tasks:{TaskName}:Target"] = "dst",
            [$"Tasks:{TaskName}:Auth:Enabled"] = "true",
            [$"Tasks:{TaskName}:Schedule:FullCron"] = "0/2 * * * * ?",
            [$"Tasks:{TaskName}:Schedule:IncrementalInterval"] = "00:00:00.500",
            ["State:Database:ConnectionString"] = Hosting.DaemonHostTests.StateConnectionString(state),
        });

        // The moment the first service of dev appears in the target, its namespace must already be there.
        (int Rows, string? Name)? namespaceWhenServiceAppeared = null;
        await EventuallyAsync(async () =>
        {
            var services = await tgt.SendAsync(HttpMethod.Get, "/nacos/v1/ns/service/list?pageNo=1&pageSize=10&namespaceId=dev&username=nacos&password=tgt-admin");
            if (services.Status != 200 || (int?)JsonNode.Parse(services.Body)!["count"] is not > 0)
            {
                return false;
            }

            namespaceWhenServiceAppeared = await NamespaceAsync(targetDb, "dev");
            return true;
        }, "the service orders of dev reaches the target");

        var token = "";
        await EventuallyAsync(async () =>
        {
            var login = await tgt.SendAsync(HttpMethod.Post, "/nacos/v1/auth/login", new Dictionary<string, string> { ["username"] = "alice", ["password"] = "alice-pw" });
            token = login.Status == 200 ? (string)JsonNode.Parse(login.Body)!["accessToken"]! : "";
            return token.Length > 0;
        }, "alice logs in to the target with her source password (after the target's auth cache reload)");

        // The configs reach the node's cache through the daemon's refresh, on their own schedule: wait for both (as the admin).
        foreach (var id in new[] { "dev", "prod" })
        {
            await EventuallyAsync(async () => (await tgt.SendAsync(HttpMethod.Get,
                $"/nacos/v1/cs/configs?dataId=app.yaml&group=DEFAULT_GROUP&tenant={id}&username=nacos&password=tgt-admin")).Status == 200,
                $"the config of {id} is served by the target");
        }

        var readDev = await tgt.SendAsync(HttpMethod.Get, $"/nacos/v1/cs/configs?dataId=app.yaml&group=DEFAULT_GROUP&tenant=dev&accessToken={token}");
        var readProd = await tgt.SendAsync(HttpMethod.Get, $"/nacos/v1/cs/configs?dataId=app.yaml&group=DEFAULT_GROUP&tenant=prod&accessToken={token}");
        var prodAsAdmin = await tgt.SendAsync(HttpMethod.Get, "/nacos/v1/cs/configs?dataId=app.yaml&group=DEFAULT_GROUP&tenant=prod&username=nacos&password=tgt-admin");
        var firstInserts = await FirstConfigInsertsAsync(targetDb);
        var metrics = await daemon.ScrapeAsync();
        await daemon.StopAsync();

        // verify covers the kind: in sync now; a role binding removed behind the daemon's back is drift, named.
        var config = Path.Combine(Path.GetTempPath(), $"nacos-sync-auth-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "Clusters": {
                "src": { "ServerAddresses": [ "{{source.ServerAddresses[0]}}" ], "Username": "nacos", "Password": "src-admin", "Database": { "ConnectionString": "{{sourceCs}}" } },
                "dst": { "ServerAddresses": [ "{{target.ServerAddresses[0]}}" ], "Username": "nacos", "Password": "tgt-admin", "Database": { "ConnectionString": "{{targetCs}}" } }
              },
              "Tasks": { "{{TaskName}}": { "Source": "src", "Target": "dst", "Auth": { "Enabled": true } } },
              "State": { "Database": { "ConnectionString": "{{Hosting.DaemonHostTests.StateConnectionString(state)}}" } }
            }
            """);
        (int ExitCode, string Output, string Error) inSync, drifted;
        try
        {
            inSync = await Hosting.CommandLineTests.InvokeAsync("verify", "--config", config, "--kind", "auth");
            await ExecAsync(targetDb, "DELETE FROM roles WHERE username = 'alice'");
            drifted = await Hosting.CommandLineTests.InvokeAsync("verify", "--config", config, "--kind", "auth");
        }
        finally
        {
            File.Delete(config);
        }

        Assert.Multiple(() =>
        {
            Assert.That((readDev.Status, readDev.Body), Is.EqualTo((200, "env: dev")), "dev:*:* r lets alice read dev's config in the target");
            Assert.That(readProd.Status, Is.EqualTo(403), "nothing lets alice read prod");
            Assert.That((string?)JsonNode.Parse(readProd.Body)!["message"], Is.EqualTo("Code: 403, Message: authorization failed!."), "3.x's refusal text");
            Assert.That(prodAsAdmin.Status, Is.EqualTo(200), "prod's config is in the target: alice's 403 is her permission, not a missing config");
            Assert.That(firstInserts, Has.Count.EqualTo(2), "one config per namespace was inserted");
            Assert.That(firstInserts, Has.All.EqualTo((1, true)),
                "when each config row was inserted, its namespace was already in tenant_info, with the source's name and description (observed by a trigger)");
            Assert.That(namespaceWhenServiceAppeared, Is.EqualTo(((int, string?)?)(1, "Development")), "the namespace (named) was there when its first service appeared");
            Assert.That(Series(metrics, $"nacossync_sync_objects_total{{action=\"added\",kind=\"auth\",task=\"{TaskName}\"}}"), Is.GreaterThanOrEqualTo(3),
                "alice, her role binding and its permission are counted under kind=\"auth\"");
            Assert.That(metrics, Does.Contain($"nacossync_sync_drift{{kind=\"auth\",task=\"{TaskName}\"}}"), "auth drift is a series");
            Assert.That(metrics, Does.Not.Contain("$2a$"), "no hash in /metrics");
            Assert.That(inSync.ExitCode, Is.EqualTo(0), $"verify after the sync: in sync. {inSync.Output} {inSync.Error}");
            Assert.That(drifted.ExitCode, Is.EqualTo(1), "verify exits 1 on drift");
            Assert.That(drifted.Output, Does.Contain("role ROLE_DEV_READER of alice"), "verify names the missing binding");
            Assert.That(drifted.Output + drifted.Error, Does.Not.Contain("$2a$"), "verify never shows a hash");
        });
    }

    /// <summary>The value of one series of a Prometheus exposition; 0 when absent.</summary>
    private static double Series(string exposition, string series) =>
        exposition.Split('\n').Where(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(series.Length + 1)..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Sum();

    private static SandboxClusterOptions Secured(NacosVersionProfile profile, SqlDatabase db, string adminPassword) => new()
    {
        Nodes = 1,
        Profile = profile,
        Database = db,
        AuthEnabled = true,
        AdminPassword = adminPassword,
        AuthCacheReloadInterval = TimeSpan.FromSeconds(1),
        DumpChangeInterval = null,
    };

    /// <summary>A trigger in the target's database notes, as each config row is inserted, whether its namespace row exists and what it says.</summary>
    private static async Task ObserveConfigInsertsAsync(SqlDatabase db)
    {
        await ExecAsync(db, "CREATE TABLE config_insert_seen (id INT AUTO_INCREMENT PRIMARY KEY, tenant_id varchar(128), ns_rows INT, ns_name varchar(128), ns_desc varchar(256))");
        await ExecAsync(db, """
            CREATE TRIGGER config_insert_observer AFTER INSERT ON config_info FOR EACH ROW
              INSERT INTO config_insert_seen (tenant_id, ns_rows, ns_name, ns_desc)
              SELECT NEW.tenant_id, COUNT(*), MAX(tenant_name), MAX(tenant_desc) FROM tenant_info WHERE tenant_id = NEW.tenant_id
            """);
    }

    /// <summary>Per namespace, the first insert's observation: (namespace rows, name and description as the source has them).</summary>
    private static async Task<List<(int Rows, bool Described)>> FirstConfigInsertsAsync(SqlDatabase db)
    {
        await using var c = await db.OpenAsync(CancellationToken.None);
        var rows = await c.QueryAsync<(string Tenant, int Rows, string? Name, string? Desc)>(
            "SELECT tenant_id, ns_rows, ns_name, ns_desc FROM config_insert_seen s WHERE id = (SELECT MIN(id) FROM config_insert_seen t WHERE t.tenant_id = s.tenant_id) ORDER BY tenant_id");
        return [.. rows.Select(r => (r.Rows, r.Name == (r.Tenant == "dev" ? "Development" : "Production") && r.Desc == $"the {r.Tenant} namespace"))];
    }

    private static async Task<(int Rows, string? Name)> NamespaceAsync(SqlDatabase db, string id)
    {
        await using var c = await db.OpenAsync(CancellationToken.None);
        return await c.QuerySingleAsync<(int, string?)>("SELECT COUNT(*), MAX(tenant_name) FROM tenant_info WHERE tenant_id = @id", new { id });
    }

    private static async Task<string> TokenAsync(HttpClient client, string user, string password)
    {
        var login = await client.SendAsync(HttpMethod.Post, "/nacos/v1/auth/login", new Dictionary<string, string> { ["username"] = user, ["password"] = password });
        Assert.That(login.Status, Is.EqualTo(200), $"{user} logs in");
        return (string)JsonNode.Parse(login.Body)!["accessToken"]!;
    }

    private static async Task ExecAsync(SqlDatabase db, string sql, object? args = null)
    {
        await using var c = await db.OpenAsync(CancellationToken.None);
        await c.ExecuteAsync(sql, args);
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"not within 60 s: {what}");
            }

            await Task.Delay(50);
        }
    }
}
