using System.Collections.Concurrent;
using System.Net;

namespace NacosSync.Tests.Naming;

/// <summary>
/// An in-memory HTTP handler whose answers may wait (a hung node, a beat held in flight); records requests and signals each one by host.
/// The server-state reads the client makes before it picks its dialect are answered here, as a <see cref="Version"/> server
/// (v3 state 404, v1 state with the version), and neither recorded nor signalled: the scripts are about naming calls.
/// </summary>
internal sealed class ScriptedNacosHandler(Func<HttpRequestMessage, string, CancellationToken, Task<HttpResponseMessage>> respond) : HttpMessageHandler
{
    /// <summary>The version the state endpoints report. Default 2.4.3.</summary>
    public string Version { get; set; } = "2.4.3";

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _arrivals = new(StringComparer.Ordinal);

    public ConcurrentQueue<(HttpMethod Method, Uri Uri, string Body)> Requests { get; } = new();

    public static HttpResponseMessage Text(HttpStatusCode status, string body) => new(status) { Content = new StringContent(body) };

    public static HttpResponseMessage BeatAnswer(int code) => Text(HttpStatusCode.OK, $"{{\"clientBeatInterval\":5000,\"code\":{code},\"lightBeatEnabled\":true}}");

    /// <summary>Waits for the next request to <paramref name="host"/> not yet waited for; false after <paramref name="atMost"/> (a safety net, not a timing).</summary>
    public Task<bool> NextRequestToAsync(string host, TimeSpan? atMost = null) =>
        _arrivals.GetOrAdd(host, _ => new SemaphoreSlim(0)).WaitAsync(atMost ?? TimeSpan.FromSeconds(10));

    public int CountTo(string host, HttpMethod method) => Requests.Count(r => r.Uri.Host == host && r.Method == method);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        switch (request.RequestUri!.AbsolutePath)
        {
            case "/nacos/v3/admin/core/state":
                return Text(HttpStatusCode.NotFound, "{\"status\":404,\"error\":\"Not Found\"}");
            case "/nacos/v1/console/server/state":
                return Text(HttpStatusCode.OK, $"{{\"version\":\"{Version}\",\"standalone_mode\":\"cluster\"}}");
        }

        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        Requests.Enqueue((request.Method, request.RequestUri!, body));
        _arrivals.GetOrAdd(request.RequestUri!.Host, _ => new SemaphoreSlim(0)).Release();
        return await respond(request, body, cancellationToken);
    }
}
