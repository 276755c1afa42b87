using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Sandbox;

/// <summary>Helpers shared by the sandbox tests: start a cluster, call a node.</summary>
internal static class SandboxTestKit
{
    public static async Task<SandboxCluster> StartAsync(
        int nodes = 1,
        NacosVersionProfile profile = NacosVersionProfile.V2_4,
        bool withDatabase = false,
        FakeTimeProvider? clock = null,
        Action<SandboxClusterOptions>? configure = null)
    {
        var options = new SandboxClusterOptions
        {
            Nodes = nodes,
            Profile = profile,
            Database = withDatabase ? await MariaDbServer.CreateDatabaseAsync("sandbox") : null,
            TimeProvider = clock ?? (TimeProvider)TimeProvider.System,
            MaintenancePeriod = clock is null ? TimeSpan.FromMilliseconds(500) : null,
        };
        configure?.Invoke(options);
        return await SandboxCluster.StartAsync(options, CancellationToken.None);
    }

    public static HttpClient Client(SandboxNode node) => new() { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

    public static async Task<JsonNode> GetJsonAsync(this HttpClient client, string uri)
    {
        using var response = await client.GetAsync(new Uri(uri, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), $"GET {uri} should succeed; body: {body}");
        return JsonNode.Parse(body)!;
    }

    public static async Task<(int Status, string Body)> SendAsync(this HttpClient client, HttpMethod method, string uri, IDictionary<string, string>? form = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(uri, UriKind.Relative));
        if (form is not null)
        {
            request.Content = new FormUrlEncodedContent(form);
        }

        using var response = await client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static Task<T?> ReadJsonAsync<T>(this HttpResponseMessage response) => response.Content.ReadFromJsonAsync<T>();
}
