using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Hosting;

/// <summary>Expected failures (a cluster that cannot be reached) are logged by their message, without a stack trace.</summary>
[TestFixture]
internal sealed class ExpectedFailureLogTests
{
    [Test]
    public async Task An_unreachable_target_is_warned_about_by_message_without_the_exception()
    {
        var sourceDb = await MariaDbServer.CreateDatabaseAsync("logsrc");
        var state = await MariaDbServer.CreateDatabaseAsync("logstate");
        await using var source = await SandboxCluster.StartAsync(new SandboxClusterOptions { Database = sourceDb, DumpChangeInterval = null }, CancellationToken.None);
        using var logs = new FakeLoggerProvider();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Clusters:src:ServerAddresses:0"] = source.ServerAddresses[0],
            ["Clusters:src:Database:ConnectionString"] = DaemonHostTests.StateConnectionString(sourceDb),
            ["Clusters:dst:ServerAddresses:0"] = "127.0.0.1:1",
            ["Clusters:dst:RequestTimeout"] = "00:00:00.500",
            ["Tasks:t:Source"] = "src",
            ["Tasks:t:Target"] = "dst",
            ["Tasks:t:Config:Mode"] = "Api",
            ["Tasks:t:Schedule:IncrementalInterval"] = "00:10:00",
            ["State:Database:ConnectionString"] = DaemonHostTests.StateConnectionString(state),
            ["Endpoint:Url"] = "http://127.0.0.1:0",
        }).Build();
        await using var app = NacosSync.Hosting.NacosSyncHost.BuildDaemon(configuration, logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Information));
        await app.StartAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        bool Warned(string kind) => logs.Collector.GetSnapshot().Any(e => e.Level >= LogLevel.Warning && e.Message.Contains(kind, StringComparison.OrdinalIgnoreCase)
            && (e.Category ?? "").EndsWith("SyncJobExecutor", StringComparison.Ordinal));
        while (DateTime.UtcNow < deadline && !(Warned("naming") && Warned("config")))
        {
            await Task.Delay(100);
        }

        await app.StopAsync();
        var warnings = logs.Collector.GetSnapshot().Where(e => e.Level >= LogLevel.Warning).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(warnings, Has.Some.Matches<FakeLogRecord>(e => e.Message.Contains("dst", StringComparison.Ordinal)),
                "the unreachable target is warned about, naming it");
            Assert.That(warnings.Where(e => e.Exception is not null).Select(e => $"{e.Category}: {e.Message} [{e.Exception!.GetType().Name}]"), Is.Empty,
                "an unreachable cluster is an expected failure: its message is enough, no stack trace");
        });
    }
}
