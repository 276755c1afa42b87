using Microsoft.Extensions.DependencyInjection;
using NacosSync.Engine.Auth;
using NacosSync.Engine.Config;
using NacosSync.Engine.Naming;

namespace NacosSync.Hosting;

/// <summary>Where each kind of sync plugs its runner (an <see cref="Core.Sync.ISyncRunner"/>) and its services in.</summary>
internal static class SyncModules
{
    public static void Add(IServiceCollection services)
    {
        services.AddNamingSync();
        services.AddConfigSync();
        services.AddAuthSync();
    }
}
