using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NacosSync.Core.Options;
using NacosSync.Nacos.Transport;
using Polly.Registry;

namespace NacosSync.Engine.Clusters;

/// <summary>Registers the one cluster registry every kind of sync shares.</summary>
internal static class ClusterRegistryServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="ClusterRegistry"/> (once, however many kinds ask for it). Needs
    /// <see cref="IOptions{NacosSyncOptions}"/> and logging, and uses Polly's pipeline registry when one is registered; adds <see cref="TimeProvider.System"/> when no clock is registered.
    /// </summary>
    public static IServiceCollection AddClusterRegistry(this IServiceCollection services)
    {
        services.AddOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ClusterRegistry(
            sp.GetRequiredService<IOptions<NacosSyncOptions>>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>(),
            pipelines: sp.GetService<ResiliencePipelineRegistry<NacosPipelineKey>>()));
        return services;
    }
}
