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

    internal static async Task<string> WriteConfigAsync(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), $"nacos-sync-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, json);
        return path;
    }
}
