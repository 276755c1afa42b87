using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NacosSync.Core.Config;
using NacosSync.Core.Naming;
using NacosSync.Core.Options;
using NacosSync.Engine.Canary;
using NacosSync.Engine.Clusters;
using NacosSync.Engine.Config;
using NacosSync.Engine.Telemetry;
using NacosSync.Nacos.Transport;
using NacosSync.Tests.Nacos;

namespace NacosSync.Tests.Clusters;

/// <summary>The cluster registry: one transport per cluster for naming, config and the canary; one address parser; one version policy.</summary>
[TestFixture]
internal sealed class ClusterRegistryTests
{
    private const string StatePath = "/nacos/v1/console/server/state";

    private static NacosSyncOptions Options(string source = "nacos.internal", string target = "https://nacos.example.com")
    {
        var options = new NacosSyncOptions();
        options.Clusters["a"] = new ClusterOptions { ServerAddresses = [source], Database = new DatabaseOptions { ConnectionString = "Server=127.0.0.1;Port=1;Database=a;User ID=x;Password=y" } };
        options.Clusters["b"] = new ClusterOptions { ServerAddresses = [target], Database = new DatabaseOptions { ConnectionString = "Server=127.0.0.1;Port=1;Database=b;User ID=x;Password=y" } };
        options.Tasks["t"] = new SyncTaskOptions { Source = "a", Target = "b", Canary = new CanaryOptions { Enabled = true } };
        return options;
    }

    private static FakeNacosHandler Answering(string version) => new((request, _) => request.RequestUri!.AbsolutePath == StatePath
        ? FakeNacosHandler.Text(HttpStatusCode.OK, $"{{\"version\":\"{version}\"}}")
        : FakeNacosHandler.Text(HttpStatusCode.OK, "true"));

    private static ClusterRegistry Registry(FakeNacosHandler handler, NacosSyncOptions? options = null, TimeProvider? time = null) =>
        new(Microsoft.Extensions.Options.Options.Create(options ?? Options()), time ?? new FakeTimeProvider(), NullLoggerFactory.Instance, new HttpClient(handler));

    [Test]
    public void The_registry_parses_a_port_less_address_to_port_8848()
    {
        using var clusters = Registry(Answering("2.4.3"));

        Assert.That(clusters.Transport("a").Servers.Concat(clusters.Transport("b").Servers), Is.EqualTo(new[]
        {
            new Uri("http://nacos.internal:8848"), new Uri("https://nacos.example.com:8848"),
        }), "Nacos's default port is 8848; Uri's default would be 80 or 443");
    }

    [Test]
    public void Config_endpoints_come_from_the_registry_on_the_transport_naming_uses()
    {
        var options = Options();
        using var clusters = Registry(Answering("2.4.3"), options);

        var endpoints = new ConfigEndpointsProvider(clusters).Get("t", options.Tasks["t"], options);

        Assert.Multiple(() =>
        {
            Assert.That(endpoints.SourceApi.Transport, Is.SameAs(clusters.Naming("a").Transport), "one transport per cluster: one login, one version read, one set of pipelines");
            Assert.That(endpoints.TargetApi.Transport, Is.SameAs(clusters.Naming("b").Transport));
            Assert.That(endpoints.SourceApi.Transport.Servers.Concat(endpoints.TargetApi.Transport.Servers).Select(u => u.Port), Is.All.EqualTo(8848),
                "config clients of a port-less address call 8848, as naming's do");
            Assert.That(endpoints.SourceDatabase.Description, Does.Contain("/a"), "the source database is the source cluster's");
        });
    }

    [Test]
    public async Task Naming_and_config_requests_to_a_port_less_address_reach_port_8848()
    {
        var handler = Answering("2.4.3");
        using var clusters = Registry(handler);

        await clusters.Naming("a").RegisterAsync(Replica(), CancellationToken.None);
        await clusters.Config("a").PublishAsync(new ConfigRow(new ConfigKey("", "DEFAULT_GROUP", "app"), "x", ConfigAttributes.Empty), casMd5: null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(handler.Requests.Select(r => r.Uri.AbsolutePath).Where(p => !p.EndsWith("/state", StringComparison.Ordinal)),
                Is.EqualTo(new[] { "/nacos/v1/ns/instance", "/nacos/v1/cs/configs" }), "besides the version read, which picks the dialect");
            Assert.That(handler.Requests.Select(r => r.Uri.Authority).Distinct(), Is.EqualTo(new[] { "nacos.internal:8848" }), "naming and config both call port 8848");
        });
    }

    [Test]
    public async Task The_canary_writes_its_naming_and_config_markers_to_port_8848_of_a_port_less_source()
    {
        var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var published = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new FakeNacosHandler((request, _) =>
        {
            var path = request.RequestUri!.AbsolutePath;
            if (request.Method == HttpMethod.Post)
            {
                (path == "/nacos/v1/cs/configs" ? published : path == "/nacos/v1/ns/instance" ? registered : null)?.TrySetResult();
            }

            return path == StatePath ? FakeNacosHandler.Text(HttpStatusCode.OK, "{\"version\":\"3.0.3\"}") : FakeNacosHandler.Text(HttpStatusCode.OK, "true");
        });
        var options = Options();
        using var clusters = Registry(handler, options);
        using var metrics = new SyncMetrics();
        using var canary = new CanaryService(Microsoft.Extensions.Options.Options.Create(options), clusters, metrics, new FakeTimeProvider(), NullLogger<CanaryService>.Instance);

        await canary.StartAsync(CancellationToken.None);
        try
        {
            // The first markers are written at once (later ones wait for fake time, which stays put); the bound only ends a hung test.
            await Task.WhenAll(registered.Task, published.Task).WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            await canary.StopAsync(CancellationToken.None);
        }

        List<(HttpMethod Method, Uri Uri, string Body)> sent;
        lock (handler.Requests)
        {
            sent = [.. handler.Requests];
        }

        Assert.Multiple(() =>
        {
            Assert.That(sent.Select(r => r.Uri.Port).Distinct(), Is.EqualTo(new[] { 8848 }), "every canary call, to the source and to the target, goes to 8848");
            Assert.That(sent.Where(r => r.Method == HttpMethod.Post).Select(r => r.Uri.Host).Distinct(), Is.EqualTo(new[] { "nacos.internal" }), "markers are written in the source");
            Assert.That(sent.Where(r => r.Method == HttpMethod.Post && r.Uri.AbsolutePath == "/nacos/v1/cs/configs").Select(r => r.Body), Has.All.Contains("tenant=public"),
                "on a 3.x source the config marker goes to tenant 'public', from the registry's policy");
        });
    }

    [TestCase("1.4.8", "")]
    [TestCase("2.4.3", "")]
    [TestCase("2.5.1", "")]
    [TestCase("3.0.3", "public")]
    [TestCase("3.3.0", "public")]
    public async Task The_config_public_tenant_follows_the_server_version(string version, string tenant)
    {
        using var clusters = Registry(Answering(version));

        Assert.That(await clusters.PublicConfigTenantAsync("a", CancellationToken.None), Is.EqualTo(tenant), "reference §3, §8: '' on 1.x/2.x, 'public' on 3.x");
    }

    [Test]
    public void A_version_that_cannot_be_read_is_a_typed_error_naming_the_cluster_not_the_tenant_of_2x()
    {
        var handler = new FakeNacosHandler((_, _) => FakeNacosHandler.Text(HttpStatusCode.InternalServerError, "boom"));
        using var clusters = Registry(handler);

        var ex = Assert.ThrowsAsync<NacosVersionUnknownException>(() => clusters.PublicConfigTenantAsync("b", CancellationToken.None),
            "a guessed '' on a 3.x cluster writes configs into a tenant nobody reads and that the daemon then owns");

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Cluster, Is.EqualTo("b"));
            Assert.That(ex.Message, Does.Contain("cluster 'b'").And.Contain("server version"));
        });
    }

    [Test]
    public async Task A_cluster_upgraded_under_a_running_daemon_gets_the_3x_tenant_once_the_version_is_five_minutes_old()
    {
        var time = new FakeTimeProvider();
        var served = "2.4.3";
        var handler = new FakeNacosHandler((_, _) => FakeNacosHandler.Text(HttpStatusCode.OK, $"{{\"version\":\"{served}\"}}"));
        using var clusters = Registry(handler, time: time);

        var before = await clusters.PublicConfigTenantAsync("a", CancellationToken.None);
        served = "3.0.3";
        time.Advance(NacosServerVersionCache.Ttl);
        var after = await clusters.PublicConfigTenantAsync("a", CancellationToken.None);

        Assert.That((before, after), Is.EqualTo(("", "public")), "the version is read again after the TTL, not cached forever");
    }

    private static NamingInstance Replica() => new(new InstanceKey(new ServiceKey("public", "DEFAULT_GROUP", "svc"), "DEFAULT", "192.0.2.1", 1), 1,
        Enabled: true, Healthy: true, Ephemeral: true, new Dictionary<string, string>());
}
