using System.Net.Http.Json;
using NacosSync.Core.Sync;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Naming;

/// <summary>Issue 10: a custom namespace of the source appears in the target, with its name and description, before its services.</summary>
[TestFixture]
internal sealed class NamingNamespaceCreationTests
{
    [Test]
    public async Task A_custom_source_namespace_missing_in_the_target_is_created_with_its_name_and_description_and_its_services_copied_into_it()
    {
        await using var h = await NamingSyncHarness.StartAsync(NacosVersionProfile.V2_4, databases: true);
        using var http = new HttpClient();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["customNamespaceId"] = "dev", ["namespaceName"] = "Development", ["namespaceDesc"] = "the dev teams",
        });
        var created = await http.PostAsync(new Uri(h.A.Nodes[0].BaseAddress, "/nacos/v1/console/namespaces"), form);
        Assert.That(await created.Content.ReadAsStringAsync(), Is.EqualTo("true"), "the source namespace exists (v1 console)");
        await h.SourceApi.RegisterAsync(NamingSyncHarness.Instance("orders", "10.0.0.1", ns: "dev"), CancellationToken.None);

        var run = await h.RunAsync(SyncMode.Full);

        var targetNamespaces = await h.TargetApi.ListNamespacesAsync(CancellationToken.None);
        Assert.Multiple(async () =>
        {
            Assert.That(run.Errors.Select(e => e.Message), Is.Empty);
            Assert.That(targetNamespaces.Select(n => (n.Id, n.Name, n.Description)), Has.Member(("dev", "Development", "the dev teams")),
                "created in the target with the source's name and description");
            Assert.That(await NamingSyncHarness.AllAsync(h.TargetApi, "dev"), Has.Count.EqualTo(1), "and its services copied into it");
        });

        var again = await h.RunAsync(SyncMode.Full);
        Assert.That(again.Errors, Is.Empty, "an existing namespace is left as it is");
    }
}
