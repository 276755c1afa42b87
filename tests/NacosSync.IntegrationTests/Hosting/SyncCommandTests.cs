using System.Text.Json;
using System.Text.RegularExpressions;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Hosting;

/// <summary>resync, plan and verify against two sandbox clusters: output and exit codes in their main cases.</summary>
[TestFixture]
internal sealed partial class SyncCommandTests : IDisposable
{
    private SandboxCluster _source = null!;
    private SandboxCluster _target = null!;
    private string _config = null!;
    private NacosSync.Storage.Database.SqlDatabase _state = null!;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    [OneTimeSetUp]
    public async Task StartClustersAsync()
    {
        var state = _state = await MariaDbServer.CreateDatabaseAsync("cli");
        _source = await SandboxCluster.StartAsync(new SandboxClusterOptions(), CancellationToken.None);
        _target = await SandboxCluster.StartAsync(new SandboxClusterOptions(), CancellationToken.None);
        _config = Path.Combine(Path.GetTempPath(), $"nacos-sync-cli-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(_config, $$"""
            {
              "Clusters": {
                "src": { "ServerAddresses": [ "{{_source.ServerAddresses[0]}}" ] },
                "dst": { "ServerAddresses": [ "{{_target.ServerAddresses[0]}}" ] },
                "gone": { "ServerAddresses": [ "127.0.0.1:9" ], "RequestTimeout": "00:00:01" }
              },
              "Tasks": {
                "cli": { "Source": "src", "Target": "dst", "Config": { "Enabled": false },
                         "Naming": { "ReplicaMode": "Persistent" }, "Guards": { "DeletionAllowance": 0, "MaxDeletionRatio": 0.2 } },
                "unreachable": { "Source": "gone", "Target": "dst", "Config": { "Enabled": false } }
              },
              "State": { "Database": { "ConnectionString": "{{DaemonHostTests.StateConnectionString(state)}}" } }
            }
            """);
    }

    [OneTimeTearDown]
    public async Task StopClustersAsync()
    {
        await _source.DisposeAsync();
        await _target.DisposeAsync();
        File.Delete(_config);
    }

    public void Dispose() => _http.Dispose();

    [Test]
    public async Task Plan_and_verify_work_on_a_state_database_no_daemon_has_used_yet()
    {
        // A newcomer's first command is often plan: the state tables it reads must not have to exist already.
        var fresh = await MariaDbServer.CreateDatabaseAsync("cli_fresh");
        var config = Path.Combine(Path.GetTempPath(), $"nacos-sync-cli-fresh-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, (await File.ReadAllTextAsync(_config))
            .Replace(DaemonHostTests.StateConnectionString(_state), DaemonHostTests.StateConnectionString(fresh), StringComparison.Ordinal));
        try
        {
            var plan = await CommandLineTests.InvokeAsync("plan", "--task", "cli", "--kind", "naming", "--config", config);
            var verify = await CommandLineTests.InvokeAsync("verify", "--task", "cli", "--kind", "naming", "--config", config);
            Assert.Multiple(() =>
            {
                Assert.That(plan.ExitCode, Is.Not.EqualTo(1).And.Not.EqualTo(4), "plan on a fresh state database plans; it does not fail on missing tables\n" + plan.Output + plan.Error);
                Assert.That(plan.Error + plan.Output, Does.Not.Contain("doesn't exist"), "no missing-table error");
                Assert.That(verify.Error + verify.Output, Does.Not.Contain("doesn't exist"), "verify neither");
            });
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Test]
    public async Task Plan_verify_resync_verify_and_the_guard_walk_through_their_exit_codes()
    {
        for (var i = 1; i <= 4; i++)
        {
            await SendAsync(HttpMethod.Post, $"/nacos/v1/ns/instance?serviceName=payments&ip=10.2.0.{i}&port=9000&ephemeral=false");
        }

        var plan = await CommandLineTests.InvokeAsync("plan", "--task", "cli", "--kind", "naming", "--config", _config);
        var verifyBefore = await CommandLineTests.InvokeAsync("verify", "--task", "cli", "--config", _config);
        var resync = await CommandLineTests.InvokeAsync("resync", "--task", "cli", "--config", _config);
        var verifyAfter = await CommandLineTests.InvokeAsync("verify", "--task", "cli", "--config", _config);
        var planJson = await CommandLineTests.InvokeAsync("plan", "--task", "cli", "--config", _config, "--output", "json");
        var replicas = await TargetCountAsync();

        for (var i = 1; i <= 4; i++)
        {
            await SendAsync(HttpMethod.Delete, $"/nacos/v1/ns/instance?serviceName=payments&ip=10.2.0.{i}&port=9000&ephemeral=false");
        }

        var guarded = await CommandLineTests.InvokeAsync("resync", "--task", "cli", "--config", _config);
        var afterGuard = await TargetCountAsync();
        var allowed = await CommandLineTests.InvokeAsync("resync", "--task", "cli", "--config", _config, "--allow-deletions");
        var afterAllowed = await TargetCountAsync();

        using var json = JsonDocument.Parse(planJson.Output);
        Assert.Multiple(() =>
        {
            Assert.That(plan.ExitCode, Is.Zero, plan.Error);
            Assert.That(plan.Output, Does.Contain("would be added"), "plan speaks in the conditional");
            Assert.That(TotalRow().Match(plan.Output).Groups[1].Value, Is.EqualTo("4"), "plan counts 4 additions:\n" + plan.Output);
            Assert.That(verifyBefore.ExitCode, Is.EqualTo(1), "verify exits 1 while the target differs");
            Assert.That(resync.ExitCode, Is.Zero, resync.Output + resync.Error);
            Assert.That(replicas, Is.EqualTo(4), "resync wrote the replicas");
            Assert.That(verifyAfter.ExitCode, Is.Zero, "verify exits 0 once in sync:\n" + verifyAfter.Output);
            Assert.That(json.RootElement[0].GetProperty("added").GetInt64(), Is.Zero, "plan --output json: nothing left to add");
            Assert.That(json.RootElement[0].GetProperty("dryRun").GetBoolean(), Is.True);
            Assert.That(guarded.ExitCode, Is.EqualTo(3), "removing every replica trips the guard: exit 3\n" + guarded.Output);
            Assert.That(guarded.Output, Does.Contain("--allow-deletions"), "the refusal says how to allow it once");
            Assert.That(afterGuard, Is.EqualTo(4), "a refused run removes nothing");
            Assert.That(allowed.ExitCode, Is.Zero, allowed.Output + allowed.Error);
            Assert.That(afterAllowed, Is.Zero, "--allow-deletions lets that one run remove them");
        });
    }

    [Test]
    public async Task A_source_that_cannot_be_reached_exits_4_and_writes_nothing()
    {
        var (exitCode, output, error) = await CommandLineTests.InvokeAsync("resync", "--task", "unreachable", "--config", _config);

        Assert.That(exitCode, Is.EqualTo(4), "an unreachable cluster is exit code 4:\n" + output + error);
    }

    [Test]
    public async Task Bad_arguments_exit_with_a_usage_error()
    {
        var badKind = await CommandLineTests.InvokeAsync("plan", "--task", "cli", "--kind", "everything", "--config", _config);
        var noTask = await CommandLineTests.InvokeAsync("plan", "--config", _config);

        Assert.Multiple(() =>
        {
            Assert.That(badKind.ExitCode, Is.Not.Zero);
            Assert.That(badKind.Error, Does.Contain("everything"));
            Assert.That(noTask.ExitCode, Is.EqualTo(2), "two tasks configured: --task is required");
            Assert.That(noTask.Error, Does.Contain("--task is required"));
        });
    }

    private async Task SendAsync(HttpMethod method, string pathAndQuery)
    {
        using var request = new HttpRequestMessage(method, new Uri(_source.Nodes[0].BaseAddress, pathAndQuery));
        using var response = await _http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    private async Task<int> TargetCountAsync()
    {
        var body = await _http.GetStringAsync(new Uri(_target.Nodes[0].BaseAddress, "/nacos/v1/ns/instance/list?serviceName=payments&healthyOnly=false"));
        return HostIp().Count(body);
    }

    [GeneratedRegex("\"ip\":\"")]
    private static partial Regex HostIp();

    [GeneratedRegex(@"total\s*│\s*(\d+)")]
    private static partial Regex TotalRow();
}
