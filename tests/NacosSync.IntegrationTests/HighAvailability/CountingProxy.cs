using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace NacosSync.IntegrationTests.HighAvailability;

/// <summary>
/// An HTTP pass-through in front of one sandbox node that counts instance registrations (<c>POST …/ns/instance</c>,
/// Nacos's <c>InstanceController.register</c> in v1, v2 and v3) as the target sees them, whichever daemon sends
/// them. Beats (<c>PUT …/ns/instance/beat</c>) and reads are passed on uncounted. The sandbox itself is untouched.
/// </summary>
internal sealed class CountingProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase) { "Transfer-Encoding", "Connection", "Keep-Alive", "Host" };
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private long _registrations;

    private CountingProxy(WebApplication app, HttpClient upstream, string address)
    {
        _app = app;
        _upstream = upstream;
        Address = address;
    }

    /// <summary><c>ip:port</c> to give the daemons as the target's server address.</summary>
    public string Address { get; }

    /// <summary>Registrations passed on since start or the last <see cref="Reset"/>.</summary>
    public long Registrations => Interlocked.Read(ref _registrations);

    public void Reset() => Interlocked.Exchange(ref _registrations, 0);

    public static async Task<CountingProxy> StartAsync(Uri upstream)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, UseProxy = false }) { BaseAddress = upstream, Timeout = TimeSpan.FromSeconds(30) };
        CountingProxy? proxy = null;
        app.Run(context => proxy!.ForwardAsync(context));
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        proxy = new CountingProxy(app, client, $"{address.Host}:{address.Port}");
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _upstream.Dispose();
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsPost(request.Method) && request.Path.Value?.EndsWith("/ns/instance", StringComparison.Ordinal) == true)
        {
            Interlocked.Increment(ref _registrations);
        }

        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), request.Path + request.QueryString);
        if (request.ContentLength > 0 || request.Headers.ContainsKey("Transfer-Encoding"))
        {
            var body = new MemoryStream();
            await request.Body.CopyToAsync(body, context.RequestAborted);
            body.Position = 0;
            forward.Content = new StreamContent(body);
        }

        foreach (var (name, values) in request.Headers)
        {
            if (!HopHeaders.Contains(name) && !forward.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                forward.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        using var answer = await _upstream.SendAsync(forward, context.RequestAborted);
        context.Response.StatusCode = (int)answer.StatusCode;
        foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
        {
            if (!HopHeaders.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await answer.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
}
