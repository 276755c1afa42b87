using System.CommandLine;
using NacosSync.Cli.Commands;

namespace NacosSync.IntegrationTests.Hosting;

[TestFixture]
internal sealed class CommandLineTests
{
    [Test]
    public async Task Run_with_a_task_copying_a_cluster_into_itself_exits_2_naming_the_key()
    {
        var path = Path.Combine(Path.GetTempPath(), $"nacos-sync-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, """
            {
              "Clusters": { "a": { "ServerAddresses": [ "127.0.0.1:8848" ] } },
              "Tasks": { "t": { "Source": "a", "Target": "a", "Config": { "Enabled": false } } },
              "State": { "Database": { "ConnectionString": "Server=127.0.0.1;Database=s;User ID=u;Password=topsecret" } }
            }
            """);
        try
        {
            var (exitCode, output, error) = await InvokeAsync("run", "--config", path);

            Assert.Multiple(() =>
            {
                Assert.That(exitCode, Is.EqualTo(2), "a configuration error is exit code 2");
                Assert.That(error, Does.Contain("Tasks:t:Target: 'a' is the same cluster as Source; a task must copy between two different clusters"));
                Assert.That(error + output, Does.Not.Contain("topsecret"), "secrets never reach the terminal");
            });
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task Run_with_a_missing_file_exits_2_and_says_how_to_name_one()
    {
        var (exitCode, _, error) = await InvokeAsync("run", "--config", "/nonexistent/x.json");

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(error, Does.Contain("'/nonexistent/x.json' does not exist"));
    }

    [Test]
    public async Task An_unknown_command_is_a_usage_error()
    {
        var (exitCode, _, error) = await InvokeAsync("frobnicate");

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(error, Does.Contain("frobnicate"));
    }

    [Test]
    public async Task Trigger_without_any_admin_token_is_refused_before_calling_the_daemon()
    {
        var path = await WriteConfigAsync("""{ "Endpoint": { "Url": "http://127.0.0.1:9" } }""");
        try
        {
            var (exitCode, _, error) = await InvokeAsync("trigger", "--task", "t", "--config", path);

            Assert.That(exitCode, Is.EqualTo(2), "no token is a usage error");
            Assert.That(error, Does.Contain("no admin token"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task Trigger_against_a_daemon_that_is_not_there_exits_4()
    {
        var (exitCode, _, error) = await InvokeAsync("trigger", "--task", "t", "--url", "http://127.0.0.1:9", "--token", "x");

        Assert.That(exitCode, Is.EqualTo(4), "an unreachable daemon is exit code 4");
        Assert.That(error, Does.Contain("cannot be reached"));
    }

    [Test]
    public async Task Sandbox_with_an_unknown_profile_exits_2_listing_the_profiles()
    {
        var (exitCode, _, error) = await InvokeAsync("sandbox", "--profile", "9.9", "--port", "0");

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(error, Does.Contain("'9.9' is not one of 1.4, 2.2.0, 2.4, 2.5, 3.0"));
    }

    [Test]
    public async Task Sandbox_3_3_without_a_server_identity_refuses_to_start_naming_it()
    {
        var (exitCode, _, error) = await InvokeAsync("sandbox", "--profile", "3.3", "--port", "0");
        Assert.That(exitCode, Is.Not.Zero, "3.1+ ship admin auth on and will not start without an identity, as Nacos");
        Assert.That(error, Does.Contain("cannot start").And.Contains("dentity"), "the refusal says what is missing");
    }

    [Test]
    public async Task Plan_for_an_unknown_task_exits_2_naming_the_known_ones()
    {
        var path = await WriteConfigAsync("""
            {
              "Clusters": { "a": { "ServerAddresses": [ "127.0.0.1:1" ] }, "b": { "ServerAddresses": [ "127.0.0.1:2" ] } },
              "Tasks": { "t": { "Source": "a", "Target": "b", "Config": { "Enabled": false } } },
              "State": { "Database": { "ConnectionString": "Server=127.0.0.1;Port=1;Database=s" } }
            }
            """);
        try
        {
            var (exitCode, _, error) = await InvokeAsync("plan", "--task", "nope", "--config", path);

            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(error, Does.Contain("--task 'nope' is not configured; known tasks: t"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<string> WriteConfigAsync(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), $"nacos-sync-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, json);
        return path;
    }

    internal static async Task<(int ExitCode, string Output, string Error)> InvokeAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await NacosSyncCommandLine.InvokeAsync(args, new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }
}
