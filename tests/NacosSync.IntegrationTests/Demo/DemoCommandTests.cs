using NacosSync.IntegrationTests.Hosting;
using NacosSync.IntegrationTests.Infrastructure;

namespace NacosSync.IntegrationTests.Demo;

/// <summary>The README's main command, bounded: sandboxes, workload and daemon, then the target must hold what the source holds.</summary>
[TestFixture]
internal sealed class DemoCommandTests
{
    [Test]
    public async Task The_demo_copies_the_changing_source_into_the_target_and_says_it_caught_up()
    {
        var (exitCode, output, error) = await CommandLineTests.InvokeAsync(
            "demo", "--duration", "00:00:15", "--services", "4", "--instances", "3", "--configs", "4",
            "--endpoint", "http://127.0.0.1:0", "--database", MariaDbServer.ConnectionString);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(0), "the demo exits 0 only when the target caught up:\n" + output + error);
            Assert.That(output, Does.Contain("the target caught up with the source"));
            Assert.That(output, Does.Match(@"configs 4 → 4 \(4 identical on every target node\)"), "config visible means every target node serves the source's md5");
        });
    }
}
