using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace NacosSync.Hosting;

/// <summary>Where each kind of sync plugs its runner (an <see cref="Core.Sync.ISyncRunner"/>) and its services in.</summary>
internal static class SyncModules
{
    public static void Add(IServiceCollection services, IConfiguration configuration)
    {
        _ = services;
        _ = configuration;
    }
}
