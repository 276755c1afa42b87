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

    internal static async Task<(int ExitCode, string Output, string Error)> InvokeAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await NacosSyncCommandLine.Create().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }
}
