using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Hosting;

/// <summary>Bad input as a new user meets it (issue 9, defect 20): each mistake is named and exits with the documented code.</summary>
[TestFixture]
internal sealed class BadInputTests
{
    [Test]
    public async Task A_password_file_that_does_not_exist_exits_2_naming_the_key_before_anything_runs()
    {
        var path = await WriteConfigAsync("""
            {
              "Clusters": {
                "a": { "ServerAddresses": [ "127.0.0.1:1" ], "Username": "nacos", "PasswordFile": "/nonexistent/nacos-password" },
                "b": { "ServerAddresses": [ "127.0.0.1:2" ] }
              },
              "Tasks": { "t": { "Source": "a", "Target": "b", "Config": { "Enabled": false } } },
              "State": { "Database": { "ConnectionString": "Server=127.0.0.1;Port=1;Database=s" } }
            }
            """);
        try
        {
            foreach (var command in new[] { "run", "verify" })
            {
                var (exitCode, _, error) = await CommandLineTests.InvokeAsync(command, "--config", path);

                Assert.Multiple(() =>
                {
                    Assert.That(exitCode, Is.EqualTo(2), $"{command}: a missing secret file is a configuration error");
                    Assert.That(error, Does.Contain("Clusters:a:PasswordFile: '/nonexistent/nacos-password' does not exist"), $"{command}: the key and the path are named");
                    Assert.That(error, Does.Not.Contain("   at "), $"{command}: no stack trace");
                });
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase("verify", "--no-such-option")]
    [TestCase("verify", "--task")]
    [TestCase("resync", "--kind", "everything")]
    public async Task A_parse_error_exits_2_as_the_README_promises(params string[] args)
    {
        var (exitCode, _, error) = await CommandLineTests.InvokeAsync(args);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2), "README: 2 = usage or configuration error");
            Assert.That(error, Is.Not.Empty, "the parse error is explained");
        });
    }

    [TestCase("naming")]
    [TestCase("config")]
    public async Task A_wrong_target_password_makes_verify_say_the_target_refused_the_login_not_that_there_are_differences(string kind)
    {
        var sourceDb = await MariaDbServer.CreateDatabaseAsync("pwsrc");
        var targetDb = await MariaDbServer.CreateDatabaseAsync("pwdst");
        var state = await MariaDbServer.CreateDatabaseAsync("pwstate");
        await using var source = await SandboxCluster.StartAsync(new SandboxClusterOptions { Database = sourceDb, DumpChangeInterval = null }, CancellationToken.None);
        await using var target = await SandboxCluster.StartAsync(
            new SandboxClusterOptions { Database = targetDb, DumpChangeInterval = null, AuthEnabled = true, AdminPassword = "right" }, CancellationToken.None);
        var config = await WriteConfigAsync($$"""
            {
              "Clusters": {
                "src": { "ServerAddresses": [ "{{source.ServerAddresses[0]}}" ], "Database": { "ConnectionString": "{{DaemonHostTests.StateConnectionString(sourceDb)}}" } },
                "dst": { "ServerAddresses": [ "{{target.ServerAddresses[0]}}" ], "Username": "nacos", "Password": "wrong",
                         "Database": { "ConnectionString": "{{DaemonHostTests.StateConnectionString(targetDb)}}" } }
              },
              "Tasks": { "v": { "Source": "src", "Target": "dst", "Naming": { "Enabled": {{(kind == "naming" ? "true" : "false")}} }, "Config": { "Enabled": {{(kind == "config" ? "true" : "false")}}, "Mode": "Api" } } },
              "State": { "Database": { "ConnectionString": "{{DaemonHostTests.StateConnectionString(state)}}" } }
            }
            """);
        try
        {
            var (exitCode, output, error) = await CommandLineTests.InvokeAsync("verify", "--config", config, "-o", "json");

            Assert.Multiple(() =>
            {
                Assert.That(exitCode, Is.EqualTo(4), "README: 4 = a cluster could not be reached (here: refused our credentials); 1 would mean differences\n" + output + error);
                Assert.That(output + error, Does.Contain("dst").And.Contain("login").And.Contain("refused"), "names the cluster and that the credentials were refused");
                Assert.That(output, Does.Contain("read_target").And.Not.Contain("read_source"), "the target's failure is a target read, not a source read");
                Assert.That(output + error, Does.Not.Contain("differences found"));
            });
        }
        finally
        {
            File.Delete(config);
        }
    }

    internal static async Task<string> WriteConfigAsync(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), $"nacos-sync-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, json);
        return path;
    }
}
