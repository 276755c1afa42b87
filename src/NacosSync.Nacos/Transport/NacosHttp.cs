using System.Net;

namespace NacosSync.Nacos.Transport;

/// <summary>The one <see cref="HttpClient"/> shared by every cluster's transport: pooled connections, no client-level timeout.</summary>
internal static class NacosHttp
{
    public static HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        MaxConnectionsPerServer = 64,
        ConnectTimeout = TimeSpan.FromSeconds(3),
        AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
        UseCookies = false,
    })
    {
        // Each request carries its own timeout (the pipelines' attempt timeout).
        Timeout = Timeout.InfiniteTimeSpan,
    };
}
