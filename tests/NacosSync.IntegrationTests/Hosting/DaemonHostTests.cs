using System.Net;
using NacosSync.IntegrationTests.Infrastructure;

namespace NacosSync.IntegrationTests.Hosting;

[TestFixture]
internal sealed class DaemonHostTests
{
    [Test]
    public async Task The_daemon_starts_serves_health_and_promtool_clean_metrics_and_stops_cleanly()
    {
        var state = await MariaDbServer.CreateDatabaseAsync("host");
        await using var daemon = await TestDaemon.StartAsync(NamingTask(state, "127.0.0.1:1", "127.0.0.1:2"));
        var http = daemon.Http;

        var health = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
        var ready = await WaitForReadyAsync(http);
        var metrics = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await metrics.Content.ReadAsStringAsync();
        var (exitCode, lint) = await Promtool.RunAsync(text, "check", "metrics");
        var stop = daemon.StopAsync();
        var stopped = await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(20))) == stop;

        Assert.Multiple(() =>
        {
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK), "/healthz answers while the process lives");
            Assert.That(ready, Is.EqualTo(HttpStatusCode.OK), "/readyz turns ready once state is migrated and the host started");
            Assert.That(metrics.Content.Headers.ContentType?.ToString(), Does.StartWith("text/plain; version=0.0.4"));
            Assert.That(text, Does.Contain("nacossync_build_info{"), "build info is always exported");
            Assert.That(text, Does.Contain("nacossync_sync_lag_seconds{kind=\"naming\",task=\"t\"} 0"), "each task's lag series exists from the start");
            Assert.That(exitCode, Is.Zero, "promtool check metrics must accept /metrics:\n" + lint);
            Assert.That(stopped, Is.True, "the host stops within 20 s");
        });
    }

    [Test]
    public async Task Admin_resync_is_refused_without_a_configured_token()
    {
        var state = await MariaDbServer.CreateDatabaseAsync("admin");
        var settings = NamingTask(state, "127.0.0.1:1", "127.0.0.1:2");
        settings["Tasks:t:Enabled"] = "false";
        await using var daemon = await TestDaemon.StartAsync(settings);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/tasks/t/resync");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "guess");
        var response = await daemon.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        await daemon.StopAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "no token configured means the admin API is off, whatever the caller sends");
        Assert.That(body, Does.Contain("Endpoint:AdminToken"), "the refusal says how to enable it");
    }

    [Test]
    public async Task Trigger_runs_a_full_resync_in_the_daemon_with_the_token_and_is_refused_with_a_wrong_one()
    {
        var state = await MariaDbServer.CreateDatabaseAsync("trigger");
        await using var source = await NacosSync.Sandbox.SandboxCluster.StartAsync(new NacosSync.Sandbox.SandboxClusterOptions(), CancellationToken.None);
        await using var target = await NacosSync.Sandbox.SandboxCluster.StartAsync(new NacosSync.Sandbox.SandboxClusterOptions(), CancellationToken.None);
        var settings = NamingTask(state, source.ServerAddresses[0], target.ServerAddresses[0]);
        settings["Endpoint:AdminToken"] = "s3cret-token";
        await using var daemon = await TestDaemon.StartAsync(settings);
        var address = daemon.Address.ToString();

        var ok = await CommandLineTests.InvokeAsync("trigger", "--task", "t", "--url", address, "--token", "s3cret-token");
        var wrong = await CommandLineTests.InvokeAsync("trigger", "--task", "t", "--url", address, "--token", "guess");
        var unknownTask = await CommandLineTests.InvokeAsync("trigger", "--task", "nope", "--url", address, "--token", "s3cret-token");
        await daemon.StopAsync();

        Assert.Multiple(() =>
        {
            Assert.That(ok.ExitCode, Is.Zero, ok.Output + ok.Error);
            Assert.That(ok.Output, Does.StartWith("t naming: ok; read "), "the daemon's result is printed");
            Assert.That(wrong.ExitCode, Is.EqualTo(2), "a wrong token is refused");
            Assert.That(wrong.Error, Does.Contain("401"));
            Assert.That(unknownTask.ExitCode, Is.EqualTo(2));
            Assert.That(unknownTask.Error, Does.Contain("no task named 'nope'"));
        });
    }

    /// <summary>A naming-only task t from a to b whose jobs stay quiet unless asked (cron in 2099, incremental every 10 min).</summary>
    private static Dictionary<string, string?> NamingTask(NacosSync.Storage.Database.SqlDatabase state, string source, string target) => new()
    {
        ["Clusters:a:ServerAddresses:0"] = source,
        ["Clusters:b:ServerAddresses:0"] = target,
        ["Tasks:t:Source"] = "a",
        ["Tasks:t:Target"] = "b",
        ["Tasks:t:Config:Enabled"] = "false",
        ["Tasks:t:Schedule:FullCron"] = "0 0 0 1 1 ? 2099",
        ["Tasks:t:Schedule:IncrementalInterval"] = "00:10:00",
        ["State:Database:ConnectionString"] = StateConnectionString(state),
    };

    internal static string StateConnectionString(NacosSync.Storage.Database.SqlDatabase database) =>
        MariaDbServer.ConnectionString + ";Database=" + database.Description.Split('/')[1];

    private static async Task<HttpStatusCode> WaitForReadyAsync(HttpClient http)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        HttpStatusCode status;
        do
        {
            status = (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode;
            if (status == HttpStatusCode.OK)
            {
                break;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        return status;
    }
}
