using System.Globalization;
using System.Text.Json;

namespace NacosSync.Cli.Demo;

/// <summary>
/// Plays the source's applications for the demo: registers ephemeral instances and keeps them
/// alive with full heartbeats, publishes configs, and keeps changing a few of each so the sync
/// has something to carry. Talks plain Nacos HTTP, as an application would.
/// </summary>
internal sealed class DemoWorkload(HttpClient http, Uri node, int services, int instancesPerService, int configs)
{
    private readonly List<(string Service, string Ip, int Port, double Weight)> _instances = [];
    private int _changes;

    public int Changes => _changes;

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        for (var s = 0; s < services; s++)
        {
            for (var i = 0; i < instancesPerService; i++)
            {
                var instance = ($"demo-service-{s:D2}", $"10.0.{s}.{i + 1}", 8080, 1.0);
                _instances.Add(instance);
                await RegisterAsync(instance, cancellationToken);
            }
        }

        for (var c = 0; c < configs; c++)
        {
            await PublishAsync($"demo-config-{c:D2}.yaml", Content(c, 0), cancellationToken);
        }
    }

    /// <summary>Beats every instance every 5 s and makes one change every 2 s until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var random = new Random(7);
        var lastBeat = DateTimeOffset.MinValue;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (TimeProvider.System.GetUtcNow() - lastBeat > TimeSpan.FromSeconds(5))
                {
                    lastBeat = TimeProvider.System.GetUtcNow();
                    await Parallel.ForEachAsync(_instances.ToList(), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
                        async (instance, ct) => await BeatAsync(instance, ct));
                }

                await ChangeSomethingAsync(random, cancellationToken);
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException)
            {
                // The source sandbox is stopping; the loop ends with the token.
            }
        }
    }

    private async Task ChangeSomethingAsync(Random random, CancellationToken cancellationToken)
    {
        var step = Interlocked.Increment(ref _changes);
        switch (step % 3)
        {
            case 0:
                // A config edit.
                var c = random.Next(configs);
                await PublishAsync($"demo-config-{c:D2}.yaml", Content(c, step), cancellationToken);
                break;
            case 1:
                // A weight change: an update, not a delete and add.
                var index = random.Next(_instances.Count);
                var (service, ip, port, weight) = _instances[index];
                _instances[index] = (service, ip, port, weight >= 3 ? 1 : weight + 1);
                await RegisterAsync(_instances[index], cancellationToken);
                break;
            default:
                // An instance that comes and goes.
                var extra = ($"demo-service-{random.Next(services):D2}", "10.9.9.9", 9000 + (step % 5), 1.0);
                var existing = _instances.FindIndex(x => x.Service == extra.Item1 && x.Ip == extra.Item2 && x.Item3 == extra.Item3);
                if (existing >= 0)
                {
                    _instances.RemoveAt(existing);
                    await SendAsync(HttpMethod.Delete, "/nacos/v1/ns/instance", Form(("serviceName", extra.Item1), ("ip", extra.Item2), ("port", Port(extra.Item3)), ("ephemeral", "true")), cancellationToken);
                }
                else
                {
                    _instances.Add(extra);
                    await RegisterAsync(extra, cancellationToken);
                }

                break;
        }
    }

    private Task RegisterAsync((string Service, string Ip, int Port, double Weight) i, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "/nacos/v1/ns/instance", Form(("serviceName", i.Service), ("groupName", "DEFAULT_GROUP"), ("ip", i.Ip), ("port", Port(i.Port)),
            ("weight", i.Weight.ToString(CultureInfo.InvariantCulture)), ("ephemeral", "true"), ("metadata", """{"app":"demo","zone":"a"}""")), cancellationToken);

    private Task BeatAsync((string Service, string Ip, int Port, double Weight) i, CancellationToken cancellationToken)
    {
        var beat = JsonSerializer.Serialize(new
        {
            ip = i.Ip,
            port = i.Port,
            serviceName = "DEFAULT_GROUP@@" + i.Service,
            cluster = "DEFAULT",
            weight = i.Weight,
            metadata = new Dictionary<string, string> { ["app"] = "demo", ["zone"] = "a" },
            scheduled = true,
        });
        return SendAsync(HttpMethod.Put, "/nacos/v1/ns/instance/beat", Form(("serviceName", "DEFAULT_GROUP@@" + i.Service), ("beat", beat)), cancellationToken);
    }

    private Task PublishAsync(string dataId, string content, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "/nacos/v1/cs/configs", Form(("dataId", dataId), ("group", "DEFAULT_GROUP"), ("content", content), ("type", "yaml")), cancellationToken);

    private async Task SendAsync(HttpMethod method, string path, FormUrlEncodedContent form, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(node, path)) { Content = form };
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    private static string Content(int config, int revision) =>
        $"# demo config {config}, revision {revision}\nserver:\n  port: {8000 + config}\ngreeting: \"你好, привет, hello ({revision})\"\n";

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static FormUrlEncodedContent Form(params (string Key, string Value)[] values) =>
        new(values.Select(v => new KeyValuePair<string, string>(v.Key, v.Value)));
}
