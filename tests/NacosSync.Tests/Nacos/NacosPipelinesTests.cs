using Microsoft.Extensions.Logging.Testing;
using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NacosSync.Nacos.Transport;
using Polly.Registry;

namespace NacosSync.Tests.Nacos;

/// <summary>The per-cluster pipelines live in Polly's registry, keyed by purpose and cluster, with Polly's telemetry.</summary>
[TestFixture]
public sealed class NacosPipelinesTests
{
    private static readonly Uri Node = new("http://10.0.0.1:8848");

    [Test]
    public async Task Each_cluster_gets_its_own_read_and_write_pipeline_from_the_registry_and_retries_are_logged_by_polly()
    {
        using var logs = new FakeLoggerProvider();
        using var services = new ServiceCollection()
            .AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace))
            .AddNacosPipelines()
            .BuildServiceProvider();
        var registry = services.GetRequiredService<ResiliencePipelineRegistry<NacosPipelineKey>>();
        var calls = 0;
        var handler = new FakeNacosHandler((_, _) => ++calls == 1
            ? FakeNacosHandler.Text(HttpStatusCode.ServiceUnavailable, "busy")
            : FakeNacosHandler.Text(HttpStatusCode.OK, "ok"));
        using var source = new NacosTransport(Options("source"), new HttpClient(handler), pipelines: registry);
        using var target = new NacosTransport(Options("target"), new HttpClient(handler), pipelines: registry);

        var response = await source.SendAsync(NacosRequest.Get("/v1/ns/service/list"), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(response.Body, Is.EqualTo("ok"), "the 503 was retried");
            foreach (var key in new[] { new NacosPipelineKey("nacos-read", "source"), new NacosPipelineKey("nacos-write", "source"),
                         new NacosPipelineKey("nacos-read", "target"), new NacosPipelineKey("nacos-write", "target") })
            {
                Assert.That(registry.TryGetPipeline(key, out _), Is.True, $"{key} is registered in Polly's registry");
            }

            Assert.That(logs.Collector.GetSnapshot().Select(r => $"{r.Category}: {r.Message}"), Has.Some.Contains("OnRetry").And.Contains("nacos-read"),
                "Polly's own telemetry logs the retry, naming the pipeline");
        });
    }

    private static NacosTransportOptions Options(string name) => new() { Name = name, Servers = [Node], RetryDelay = TimeSpan.FromMilliseconds(1) };
}
