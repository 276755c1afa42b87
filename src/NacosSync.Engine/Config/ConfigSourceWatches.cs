using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using NacosSync.Core.Config;
using NacosSync.Core.Sync;
using NacosSync.Engine.Sync;
using NacosSync.Nacos.Grpc;
using NacosSync.Nacos.Transport;

namespace NacosSync.Engine.Config;

/// <summary>
/// The <see cref="ConfigSourceWatch"/> of each source cluster that is spoken to over gRPC (one per cluster: its pushes are read
/// once, and wake every task on that source), fed by the config runs. A source on HTTP (1.4, <c>Transport: Http</c>, or Auto
/// while its gRPC port does not answer) is not watched: its changes are found by the incremental schedule alone.
/// </summary>
internal sealed partial class ConfigSourceWatches(SyncWakes wakes, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConfigSourceWatch> _watches = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _create = new(1, 1);
    private readonly ILogger _logger = loggerFactory.CreateLogger("NacosSync.Config.SourceWatch");

    public SyncWakes Wakes => wakes;

    /// <summary>The watch of <paramref name="sourceCluster"/>, when there is one (tests).</summary>
    public ConfigSourceWatch? Of(string sourceCluster) => _watches.GetValueOrDefault(sourceCluster);

    /// <summary>After a run of <paramref name="scope"/>'s task: listen to its keys (all of them after a full run), never failing the run.</summary>
    public async Task TrackAsync(ConfigTaskScope scope, bool full, IReadOnlyCollection<(ConfigKey Key, string Md5)> changed, CancellationToken cancellationToken)
    {
        if (scope.Endpoints.SourceListen is not { } listen || scope.DryRun || scope.Request.Namespace is not null)
        {
            return;
        }

        try
        {
            if (await WatchAsync(scope.Task.Source, listen, cancellationToken) is { } watch)
            {
                watch.Track(scope.TaskName, ct => KeysInScopeAsync(scope, ct), full, changed);
            }
        }
        catch (NacosException ex)
        {
            LogNotWatched(_logger, scope.TaskName, scope.Task.Source, ex.Message);
        }
    }

    private async Task<ConfigSourceWatch?> WatchAsync(string cluster, Func<CancellationToken, Task<NacosGrpcConnection?>> listen, CancellationToken cancellationToken)
    {
        if (_watches.TryGetValue(cluster, out var existing))
        {
            return existing;
        }

        await _create.WaitAsync(cancellationToken);
        try
        {
            if (_watches.TryGetValue(cluster, out existing))
            {
                return existing;
            }

            if (await listen(cancellationToken) is not { } connection)
            {
                return null;
            }

            var watch = new ConfigSourceWatch(connection, wakes, _logger);
            _watches[cluster] = watch;
            return watch;
        }
        finally
        {
            _create.Release();
        }
    }

    /// <summary>Every source key the task copies (its namespaces, its group mapping), with the md5 of the source database.</summary>
    private static async IAsyncEnumerable<(ConfigKey Key, string Md5)> KeysInScopeAsync(ConfigTaskScope scope, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var tenants = new HashSet<string>(await scope.SourceRows.ReadTenantsAsync(cancellationToken), StringComparer.Ordinal) { scope.SourcePublic };
        tenants.UnionWith(scope.Task.Namespaces.Keys.Select(k => k == "public" ? scope.SourcePublic : k));
        await foreach (var digest in scope.SourceRows.ReadDigestsAsync(tenants, k => scope.Mapping.MapKey(k) is not null, cancellationToken))
        {
            yield return (digest.Key, digest.Md5);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var watch in _watches.Values)
        {
            await watch.DisposeAsync();
        }

        _watches.Clear();
        _create.Dispose();
    }

    [LoggerMessage(EventId = 5122, Level = LogLevel.Warning, Message = "Config task {Task}: source cluster {Cluster} is not listened to over gRPC ({Error}); the incremental schedule finds its changes")]
    private static partial void LogNotWatched(ILogger logger, string task, string cluster, string error);
}
