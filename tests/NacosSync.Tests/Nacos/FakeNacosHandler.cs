using System.Net;

namespace NacosSync.Tests.Nacos;

/// <summary>An in-memory HTTP handler: each request is answered by a function; records what was sent.</summary>
internal sealed class FakeNacosHandler(Func<HttpRequestMessage, string, HttpResponseMessage> respond) : HttpMessageHandler
{
    public List<(HttpMethod Method, Uri Uri, string Body)> Requests { get; } = [];

    /// <summary>
    /// When set, the server-state reads the client makes before it picks its dialect are answered here as a server of this
    /// version would (1.x/2.x: v3 state 404, v1 state with the version; 3.x: v3 state <c>Result</c>), and not recorded.
    /// </summary>
    public string? StateVersion { get; init; }

    public static HttpResponseMessage Text(HttpStatusCode status, string body) => new(status) { Content = new StringContent(body) };

    /// <summary>A handler for tests about other calls than the version read: the state endpoints answer <paramref name="version"/>.</summary>
    public static FakeNacosHandler Serving(string version, Func<HttpRequestMessage, string, HttpResponseMessage> respond) => new(respond) { StateVersion = version };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (StateVersion is { } version && StateAnswer(request.RequestUri!.AbsolutePath, version) is { } state)
        {
            return state;
        }

        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (Requests)
        {
            Requests.Add((request.Method, request.RequestUri!, body));
        }

        return respond(request, body);
    }

    private static HttpResponseMessage? StateAnswer(string path, string version) => path switch
    {
        // core/.../controller/v3/ServerStateController.java: Result.success(stateService.getServerState()), no auth; absent before 3.0.
        "/nacos/v3/admin/core/state" => version.StartsWith('1') || version.StartsWith('2')
            ? Text(HttpStatusCode.NotFound, "{\"status\":404,\"error\":\"Not Found\"}")
            : Text(HttpStatusCode.OK, $"{{\"code\":0,\"message\":\"success\",\"data\":{{\"version\":\"{version}\",\"standalone_mode\":\"cluster\"}}}}"),
        "/nacos/v1/console/server/state" => Text(HttpStatusCode.OK, $"{{\"version\":\"{version}\",\"standalone_mode\":\"cluster\"}}"),
        _ => null,
    };
}
