using Dapper;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Hosting;

/// <summary><c>verify</c> for config looks past the databases at what every target node serves.</summary>
[TestFixture]
internal sealed class VerifyCacheTests
{
    [Test]
    public async Task Verify_finds_a_node_serving_a_stale_value_even_when_both_databases_agree()
    {
        var sourceDb = await MariaDbServer.CreateDatabaseAsync("vsrc");
        var targetDb = await MariaDbServer.CreateDatabaseAsync("vdst");
        var state = await MariaDbServer.CreateDatabaseAsync("vstate");
        await using var source = await SandboxCluster.StartAsync(new SandboxClusterOptions { Database = sourceDb, DumpChangeInterval = null }, CancellationToken.None);
        await using var target = await SandboxCluster.StartAsync(new SandboxClusterOptions { Nodes = 2, Database = targetDb, DumpChangeInterval = null }, CancellationToken.None);
        using var http = new HttpClient();
        using (var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["dataId"] = "app.yaml", ["group"] = "DEFAULT_GROUP", ["content"] = "v: 1" }))
        {
            (await http.PostAsync(new Uri(source.Nodes[0].BaseAddress, "/nacos/v1/cs/configs"), form)).EnsureSuccessStatusCode();
        }

        var config = Path.Combine(Path.GetTempPath(), $"nacos-sync-verify-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "Clusters": {
                "src": { "ServerAddresses": [ "{{source.ServerAddresses[0]}}" ], "Database": { "ConnectionString": "{{DaemonHostTests.StateConnectionString(sourceDb)}}" } },
                "dst": { "ServerAddresses": [ "{{target.ServerAddresses[0]}}", "{{target.ServerAddresses[1]}}" ], "Database": { "ConnectionString": "{{DaemonHostTests.StateConnectionString(targetDb)}}" } }
              },
              "Tasks": { "v": { "Source": "src", "Target": "dst", "Naming": { "Enabled": false } } },
              "State": { "Database": { "ConnectionString": "{{DaemonHostTests.StateConnectionString(state)}}" } }
            }
            """);
        try
        {
            var resync = await CommandLineTests.InvokeAsync("resync", "--config", config);

            // A config created natively in the target, absent from the source: the task never touches it.
            using (var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["dataId"] = "native.yaml", ["group"] = "DEFAULT_GROUP", ["content"] = "mine" }))
            {
                (await http.PostAsync(new Uri(target.Nodes[0].BaseAddress, "/nacos/v1/cs/configs"), form)).EnsureSuccessStatusCode();
            }

            var inSync = await CommandLineTests.InvokeAsync("verify", "--config", config);
            var inSyncJson = await CommandLineTests.InvokeAsync("verify", "--config", config, "--output", "json");

            // Both databases move to v: 2 behind Nacos's back: no node re-reads them (standalone-like, no dump worker).
            foreach (var database in new[] { sourceDb, targetDb })
            {
                await using var connection = await database.OpenAsync(CancellationToken.None);
                await connection.ExecuteAsync("UPDATE config_info SET content = 'v: 2', md5 = MD5('v: 2'), gmt_modified = NOW() WHERE data_id = 'app.yaml'");
            }

            var stale = await CommandLineTests.InvokeAsync("verify", "--config", config);

            // resync finds the rows equal, yet proves every node and refreshes the stale ones.
            var repair = await CommandLineTests.InvokeAsync("resync", "--config", config);
            var refreshed = await CommandLineTests.InvokeAsync("verify", "--config", config);

            Assert.Multiple(() =>
            {
                Assert.That(resync.ExitCode, Is.Zero, resync.Output + resync.Error);
                Assert.That(inSync.ExitCode, Is.Zero, "after the resync every node serves the source's md5, and a target native is no failure:\n" + inSync.Output + inSync.Error);
                Assert.That(inSync.Output, Does.Contain("left alone").And.Contain("native.yaml"), "the native is named, apart from the differences:\n" + inSync.Output);
                Assert.That(inSyncJson.Output, Does.Contain("\"drift\": 0").And.Contain("native.yaml"), "JSON: no drift, the native listed under leftAlone:\n" + inSyncJson.Output);
                Assert.That(stale.ExitCode, Is.EqualTo(1), "the databases agree but the nodes serve the old value:\n" + stale.Output);
                foreach (var node in target.Nodes)
                {
                    Assert.That(stale.Output, Does.Contain($"node {node.BaseAddress.Authority} does not serve the source's md5").And.Contain("app.yaml"),
                        "each stale node is named with the key:\n" + stale.Output);
                }

                Assert.That(repair.ExitCode, Is.Zero, "resync refreshed the stale nodes and proved them:\n" + repair.Output + repair.Error);
                Assert.That(refreshed.ExitCode, Is.Zero, "after the resync's refresh, verify passes:\n" + refreshed.Output);
            });
        }
        finally
        {
            File.Delete(config);
        }
    }
}
