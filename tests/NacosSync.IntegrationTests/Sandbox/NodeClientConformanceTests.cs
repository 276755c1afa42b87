using System.Diagnostics;
using NacosSync.IntegrationTests.Infrastructure;

namespace NacosSync.IntegrationTests.Sandbox;

/// <summary>
/// Runs tests/conformance/conformance.js (the official Node.js Nacos client) against a 2-node
/// sandbox cluster. Installs the client with <c>npm ci</c> when node_modules is missing.
/// </summary>
[TestFixture]
[Category("Conformance")]
internal sealed class NodeClientConformanceTests
{
    private static readonly string[] Steps = ["naming-ready", "register", "subscribe", "list", "deregister", "publish", "get", "listen", "remove", "all"];

    [TestCase(false, TestName = "The_official_node_client_registers_subscribes_lists_deregisters_publishes_gets_listens_and_removes")]
    [TestCase(true, TestName = "The_official_node_client_does_the_same_on_a_cluster_with_auth_on")]
    public async Task Conformance(bool authEnabled)
    {
        var directory = Path.Combine(RepositoryRoot.Path, "tests", "conformance");
        if (!Directory.Exists(Path.Combine(directory, "node_modules", "nacos")))
        {
            var install = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], directory, new Dictionary<string, string>(), TimeSpan.FromMinutes(3));
            Assert.That(install.ExitCode, Is.Zero, $"npm ci failed:\n{install.Output}");
        }

        await using var cluster = await SandboxTestKit.StartAsync(nodes: 2, withDatabase: true, configure: o =>
        {
            o.AuthEnabled = authEnabled;
            o.AdminPassword = "conformance";
        });
        var environment = new Dictionary<string, string>
        {
            ["NACOS_NODE_A"] = cluster.Nodes[0].Address,
            ["NACOS_NODE_B"] = cluster.Nodes[1].Address,
        };
        if (authEnabled)
        {
            environment["NACOS_USERNAME"] = "nacos";
            environment["NACOS_PASSWORD"] = "conformance";
        }

        var result = await RunAsync("node", ["conformance.js"], directory, environment, TimeSpan.FromMinutes(2));
        await TestContext.Out.WriteLineAsync(result.Output);
        var lines = result.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

        Assert.Multiple(() =>
        {
            foreach (var step in Steps)
            {
                Assert.That(lines, Does.Contain("ok " + step), $"step '{step}' of the Node client suite; output:\n{result.Output}");
            }

            Assert.That(result.ExitCode, Is.Zero, $"the suite exits 0; output:\n{result.Output}");
        });
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(
        string program, string[] arguments, string directory, Dictionary<string, string> environment, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
