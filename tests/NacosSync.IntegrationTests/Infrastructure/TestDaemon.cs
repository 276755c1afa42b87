using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace NacosSync.IntegrationTests.Infrastructure;

/// <summary>The real daemon (<c>nacos-sync run</c>'s host) started in process on a free loopback port.</summary>
internal sealed class TestDaemon : IAsyncDisposable
{
    private TestDaemon(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public WebApplication App { get; }

    /// <summary>Where /healthz, /metrics and /admin answer.</summary>
    public Uri Address { get; }

    /// <summary>A client with <see cref="Address"/> as its base.</summary>
    public HttpClient Http { get; }

    /// <summary>Builds the daemon from <paramref name="settings"/> (Endpoint:Url defaults to port 0) and starts it.</summary>
    public static async Task<TestDaemon> StartAsync(IDictionary<string, string?> settings, LogLevel logLevel = LogLevel.Warning)
    {
        var all = new Dictionary<string, string?>(settings);
        all.TryAdd("Endpoint:Url", "http://127.0.0.1:0");
        var app = NacosSync.Hosting.NacosSyncHost.BuildDaemon(new ConfigurationBuilder().AddInMemoryCollection(all).Build(),
            logging => logging.SetMinimumLevel(logLevel));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new TestDaemon(app, new Uri(address));
    }

    /// <summary>Stops the host; the task completes when running jobs have stopped.</summary>
    public Task StopAsync() => App.StopAsync();

    public async Task<string> ScrapeAsync() => await Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.DisposeAsync();
    }
}
