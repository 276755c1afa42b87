using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NacosSync.Core.Sync;
using NacosSync.Engine.Clusters;

namespace NacosSync.Engine.Auth;

/// <summary>Registers the auth kind of sync (off per task unless <c>Auth:Enabled</c>).</summary>
internal static class AuthSyncServiceCollectionExtensions
{
    public static IServiceCollection AddAuthSync(this IServiceCollection services)
    {
        services.AddClusterRegistry();
        services.TryAddSingleton<AuthSyncRunner>();
        services.AddSingleton<ISyncRunner>(sp => sp.GetRequiredService<AuthSyncRunner>());
        return services;
    }
}
