using System.Diagnostics;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Sandbox;

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
        await using var cluster = await SandboxTestKit.StartAsync(nodes: 2, withDatabase: true, configure: o =>
        {
            o.AuthEnabled = authEnabled;
            o.AdminPassword = "conformance";
        });

        var result = await RunSuiteAsync(cluster, authEnabled ? ("nacos", "conformance") : null);

        AssertEveryStepPassed(result);
    }

    [Test]
    public async Task The_official_node_client_passes_on_3_1_whose_v1_client_api_still_works()
    {
        await using var cluster = await V3SandboxKit.StartAsync(NacosVersionProfile.V3_1, nodes: 2, withDatabase: true);

        var result = await RunSuiteAsync(cluster, credentials: null);

        AssertEveryStepPassed(result);
    }

    [Test]
    public async Task The_official_node_client_is_refused_with_404_on_3_2_as_a_real_3_2_refuses_it()
    {
        await using var cluster = await V3SandboxKit.StartAsync(NacosVersionProfile.V3_2, nodes: 2, withDatabase: true);

        var result = await RunSuiteAsync(cluster, credentials: null, verbose: true);
        var lines = result.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.Zero, $"the v1-only client cannot work against 3.2 (reference §8); output:\n{result.Output}");
            Assert.That(lines, Has.Some.StartsWith("fail naming-ready"), "its first call already fails");
            Assert.That(result.Output, Does.Contain("404"), "because the v1 path is gone (404), not for another reason (the client's logged errors name it)");
        });
    }

    private static async Task<(int ExitCode, string Output)> RunSuiteAsync(SandboxCluster cluster, (string User, string Password)? credentials, bool verbose = false)
    {
        var directory = Path.Combine(RepositoryRoot.Path, "tests", "conformance");
        if (!Directory.Exists(Path.Combine(directory, "node_modules", "nacos")))
        {
            var install = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], directory, new Dictionary<string, string>(), TimeSpan.FromMinutes(3));
            Assert.That(install.ExitCode, Is.Zero, $"npm ci failed:\n{install.Output}");
        }

        var environment = new Dictionary<string, string>
        {
            ["NACOS_NODE_A"] = cluster.Nodes[0].Address,
            ["NACOS_NODE_B"] = cluster.Nodes[1].Address,
        };
        if (verbose)
        {
            // The client's own warnings and errors (conformance.js prints them to stderr when set): they name the HTTP status.
            environment["CONFORMANCE_VERBOSE"] = "1";
        }

        if (credentials is { } c)
        {
            environment["NACOS_USERNAME"] = c.User;
            environment["NACOS_PASSWORD"] = c.Password;
        }

        var result = await RunAsync("node", ["conformance.js"], directory, environment, TimeSpan.FromMinutes(2));
        await TestContext.Out.WriteLineAsync(result.Output);
        return result;
    }

    private static void AssertEveryStepPassed((int ExitCode, string Output) result)
    {
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
