using System.Text.Json.Nodes;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Sandbox;

/// <summary>
/// Helpers for the 3.x sandbox tests: a 3.1+ cluster needs the server identity to start (admin auth is on as
/// shipped), and admin calls carry that identity header unless a test wants to see the refusal.
/// </summary>
internal static class V3SandboxKit
{
    public const string IdentityKey = "serverIdentity";
    public const string IdentityValue = "security";

    public static Task<SandboxCluster> StartAsync(
        NacosVersionProfile profile, int nodes = 1, bool withDatabase = false, Action<SandboxClusterOptions>? configure = null, FakeTimeProvider? clock = null) =>
        SandboxTestKit.StartAsync(nodes: nodes, profile: profile, withDatabase: withDatabase, clock: clock ?? new FakeTimeProvider(TestTime.Start), configure: o =>
        {
            o.IdentityKey = IdentityKey;
            o.IdentityValue = IdentityValue;
            configure?.Invoke(o);
        });

    public const string AdminPassword = "nacos";

    /// <summary>
    /// Starts a cluster as an operator would bring up a shipped 3.1+: with the server identity, then
    /// <c>POST /nacos/v3/auth/user/admin</c> to create user <c>nacos</c> (password <see cref="AdminPassword"/>).
    /// Older profiles start as given.
    /// </summary>
    public static async Task<SandboxCluster> StartProvisionedAsync(SandboxClusterOptions options)
    {
        var shipped = NacosProfileTraits.For(options.Profile).ShippedAuth;
        if (shipped)
        {
            options.IdentityKey = IdentityKey;
            options.IdentityValue = IdentityValue;
        }

        var cluster = await SandboxCluster.StartAsync(options, CancellationToken.None);
        if (shipped)
        {
            using var client = SandboxTestKit.Client(cluster.Nodes[0]);
            var (status, body) = await client.SendAsync(HttpMethod.Post, "/nacos/v3/auth/user/admin", Form(("password", AdminPassword)));
            Assert.That(status, Is.EqualTo(200), $"test setup: creating the 3.x admin user: {body}");
        }

        return cluster;
    }

    /// <summary>The daemon's credentials for a cluster started by <see cref="StartProvisionedAsync"/>: the admin user and the server identity (localCache).</summary>
    public static void Credentials(Core.Options.ClusterOptions cluster, NacosVersionProfile profile)
    {
        if (NacosProfileTraits.For(profile).ShippedAuth)
        {
            cluster.Username = "nacos";
            cluster.Password = AdminPassword;
            cluster.IdentityKey = IdentityKey;
            cluster.IdentityValue = IdentityValue;
        }
    }

    /// <summary>A client whose every request carries the server identity header (what a peer node or an operator script sends).</summary>
    public static HttpClient AdminClient(SandboxNode node)
    {
        var client = SandboxTestKit.Client(node);
        client.DefaultRequestHeaders.Add(IdentityKey, IdentityValue);
        return client;
    }

    public static Dictionary<string, string> Form(params (string Key, string Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    /// <summary>Sends and parses the answer as JSON, whatever the status.</summary>
    public static async Task<(int Status, JsonNode? Body)> JsonAsync(this HttpClient client, HttpMethod method, string uri, IDictionary<string, string>? form = null)
    {
        var (status, body) = await client.SendAsync(method, uri, form);
        try
        {
            return (status, JsonNode.Parse(body));
        }
        catch (System.Text.Json.JsonException)
        {
            Assert.Fail($"{method} {uri} answered {status} with a body that is not JSON: {body}");
            throw;
        }
    }
}
