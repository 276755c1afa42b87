using Dapper;
using NacosSync.IntegrationTests.Hosting;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.IntegrationTests.Sandbox;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Matrix;

/// <summary><c>verify</c> against a shipped 3.3 target (v3 API only, auth on): it reads every node and names the stale one.</summary>
[TestFixture]
internal sealed class VerifyV3TargetTests
{
    [Test]
    public async Task Verify_names_the_key_and_the_one_3_3_node_still_serving_a_value_edited_in_the_database_without_refresh()
    {
        var sourceDb = await MariaDbServer.CreateDatabaseAsync("v3vsrc");
        var targetDb = await MariaDbServer.CreateDatabaseAsync("v3vdst");
        var state = await MariaDbServer.CreateDatabaseAsync("v3vstate");
        await using var source = await SandboxCluster.StartAsync(new SandboxClusterOptions { Database = sourceDb, DumpChangeInterval = null }, CancellationToken.None);
        await using var target = await V3SandboxKit.StartProvisionedAsync(new SandboxClusterOptions { Nodes = 2, Profile = NacosVersionProfile.V3_3, Database = targetDb, DumpChangeInterval = null });
        using var http = new HttpClient();
        using (var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["dataId"] = "app.yaml", ["group"] = "DEFAULT_GROUP", ["content"] = "v: 1" }))
        {
            (await http.PostAsync(new Uri(source.Nodes[0].BaseAddress, "/nacos/v1/cs/configs"), form)).EnsureSuccessStatusCode();
        }

        var config = Path.Combine(Path.GetTempPath(), $"nacos-sync-verify-v3-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "Clusters": {
                "src": { "ServerAddresses": [ "{{source.ServerAddresses[0]}}" ], "Database": { "ConnectionString": "{{DaemonHostTests.StateConnectionString(sourceDb)}}" } },
                "dst": {
                  "ServerAddresses": [ "{{target.ServerAddresses[0]}}", "{{target.ServerAddresses[1]}}" ],
                  "Username": "nacos", "Password": "{{V3SandboxKit.AdminPassword}}",
                  "IdentityKey": "{{V3SandboxKit.IdentityKey}}", "IdentityValue": "{{V3SandboxKit.IdentityValue}}",
                  "Database": { "ConnectionString": "{{DaemonHostTests.StateConnectionString(targetDb)}}" }
                }
              },
              "Tasks": { "v": { "Source": "src", "Target": "dst", "Naming": { "Enabled": false } } },
              "State": { "Database": { "ConnectionString": "{{DaemonHostTests.StateConnectionString(state)}}" } }
            }
            """);
        try
        {
            var resync = await CommandLineTests.InvokeAsync("resync", "--config", config);
            var inSync = await CommandLineTests.InvokeAsync("verify", "--config", config);

            // Both databases move to v: 2 behind Nacos's back (no dump worker); then only node 0 of the target reloads
            // (v3 admin localCache, the server identity): node 1 keeps serving v: 1.
            foreach (var database in new[] { sourceDb, targetDb })
            {
                await using var connection = await database.OpenAsync(CancellationToken.None);
                await connection.ExecuteAsync("UPDATE config_info SET content = 'v: 2', md5 = MD5('v: 2'), gmt_modified = NOW() WHERE data_id = 'app.yaml'");
            }

            using (var admin = V3SandboxKit.AdminClient(target.Nodes[0]))
            {
                var (status, body) = await admin.SendAsync(HttpMethod.Post, "/nacos/v3/admin/cs/ops/localCache");
                Assert.That(status, Is.EqualTo(200), $"test setup: node 0 reloads its cache: {body}");
            }

            await target.Nodes[0].WhenLocalCacheRefreshedAsync();
            var stale = await CommandLineTests.InvokeAsync("verify", "--config", config);

            Assert.Multiple(() =>
            {
                Assert.That(resync.ExitCode, Is.Zero, resync.Output + resync.Error);
                Assert.That(inSync.ExitCode, Is.Zero, "after the resync every 3.3 node serves the source's md5:\n" + inSync.Output + inSync.Error);
                Assert.That(stale.ExitCode, Is.EqualTo(1), "the databases agree but node 1 serves the old value:\n" + stale.Output + stale.Error);
                Assert.That(stale.Output, Does.Contain($"node {target.Nodes[1].BaseAddress.Authority} does not serve the source's md5").And.Contain("app.yaml"),
                    "the stale node is named with the key:\n" + stale.Output);
                Assert.That(stale.Output, Does.Not.Contain($"node {target.Nodes[0].BaseAddress.Authority} does not serve"), "the refreshed node is not blamed:\n" + stale.Output);
            });
        }
        finally
        {
            File.Delete(config);
        }
    }
}
