using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using NacosSync.Core.Config;
using NacosSync.Core.Sync;
using NacosSync.Engine.Sync;
using NacosSync.Nacos.Grpc;
using NacosSync.Nacos.Grpc.Messages;
using NacosSync.Nacos.Transport;

namespace NacosSync.Engine.Config;

/// <summary>
/// One source cluster's config listening over gRPC (its <c>config</c>/<c>listen</c> connection; docs/config.md): every key in
/// scope of each tracked task is listened to with the md5 the source database holds (<c>ConfigBatchListenRequest</c>, many keys
/// per request), and each <c>ConfigChangeNotifyRequest</c> the node pushes afterwards (<c>RpcConfigChangeNotifier</c>, on every
/// change of a listened key) wakes the incremental runs of the tasks on that source (<see cref="SyncWakes"/>). A key whose
/// md5 already differs when listened to wakes them too. The history feed stays what the runs read: a push only says "now".
/// After <see cref="NacosGrpcConnection.Reconnected"/> the server has forgotten every listener: all keys are listened to again and
/// the tasks woken once (changes made while the connection was down are in the history). New keys come from the runs
/// (<see cref="Track"/> with the keys a run changed), as before.
/// </summary>
internal sealed partial class ConfigSourceWatch : IAsyncDisposable
{
    /// <summary>Keys per listen request (the Java client's <c>ClientWorker</c> puts up to 3,000 in one; 1,000 keeps one under ~150 KB).</summary>
    public const int ListenBatch = 1_000;

    private readonly NacosGrpcConnection _connection;
    private readonly SyncWakes _wakes;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Func<CancellationToken, IAsyncEnumerable<(ConfigKey Key, string Md5)>>> _tasks = new(StringComparer.Ordinal);
    private readonly Channel<Work> _work = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Task _pump;
    private long _pushes;
    private long _relistens;
    private long _listened;

    public ConfigSourceWatch(NacosGrpcConnection connection, SyncWakes wakes, ILogger logger)
    {
        _connection = connection;
        _wakes = wakes;
        _logger = logger;
        _connection.Reconnected += OnReconnected;
        _loop = Task.Run(() => WorkAsync(_stop.Token));
        _pump = Task.Run(() => PumpAsync(_stop.Token));
    }

    /// <summary>Change pushes received.</summary>
    public long Pushes => Interlocked.Read(ref _pushes);

    /// <summary>Times every key was listened to again after a reconnect.</summary>
    public long Relistens => Interlocked.Read(ref _relistens);

    /// <summary>Listen contexts the source accepted (a key listened to twice counts twice).</summary>
    public long Listened => Interlocked.Read(ref _listened);

    /// <summary>
    /// Listens to <paramref name="task"/>'s keys: on its first call every key <paramref name="keysInScope"/> yields (also after a
    /// reconnect), with <paramref name="all"/> all of them again (a full run), and always <paramref name="changed"/> (the source keys
    /// a run saw change, with their md5 now, <c>""</c> when deleted). Returns at once; the requests go out in order behind it.
    /// </summary>
    public void Track(string task, Func<CancellationToken, IAsyncEnumerable<(ConfigKey Key, string Md5)>> keysInScope, bool all,
        IReadOnlyCollection<(ConfigKey Key, string Md5)> changed)
    {
        var added = _tasks.TryAdd(task, keysInScope);
        _tasks[task] = keysInScope;
        if (added || all)
        {
            _work.Writer.TryWrite(new Work(task, null, Relisten: false));
        }

        if (changed.Count > 0)
        {
            _work.Writer.TryWrite(new Work(task, changed, Relisten: false));
        }
    }

    private void OnReconnected(GrpcReconnected reconnected) => _work.Writer.TryWrite(new Work(null, null, Relisten: true));

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        await foreach (var work in _work.Reader.ReadAllAsync(cancellationToken))
        {
            try
            {
                if (work.Relisten)
                {
                    Interlocked.Increment(ref _relistens);
                    foreach (var (task, keys) in _tasks)
                    {
                        await ListenAllAsync([task], keys, cancellationToken);
                    }

                    LogRelistened(_logger, _connection.Name, _tasks.Count);
                    WakeAll();
                }
                else if (work.Keys is { } keys)
                {
                    await ListenAsync([work.Task!], keys, cancellationToken);
                }
                else if (_tasks.TryGetValue(work.Task!, out var all))
                {
                    await ListenAllAsync([work.Task!], all, cancellationToken);
                }
            }
            catch (Exception ex) when (ex is NacosException or System.Data.Common.DbException)
            {
                // Those keys are not listened to until the next run or reconnect: the interval schedule still finds their changes.
                LogListenFailed(_logger, _connection.Name, ex.Message);
            }
            catch (ObjectDisposedException)
            {
                // The registry closed the connection (shutdown).
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // The loop's boundary: one failed item must not end the listening.
                LogWorkFailed(_logger, ex, _connection.Name);
            }
        }
    }

    private async Task ListenAllAsync(string[] tasks, Func<CancellationToken, IAsyncEnumerable<(ConfigKey Key, string Md5)>> keys, CancellationToken cancellationToken)
    {
        var batch = new List<(ConfigKey Key, string Md5)>(ListenBatch);
        await foreach (var key in keys(cancellationToken))
        {
            batch.Add(key);
            if (batch.Count == ListenBatch)
            {
                await ListenAsync(tasks, batch, cancellationToken);
                batch.Clear();
            }
        }

        await ListenAsync(tasks, batch, cancellationToken);
    }

    /// <summary><c>ConfigChangeBatchListenRequestHandler</c>: registers each key and names those whose cached md5 is not the one sent.</summary>
    private async Task ListenAsync(string[] tasks, IReadOnlyCollection<(ConfigKey Key, string Md5)> keys, CancellationToken cancellationToken)
    {
        foreach (var chunk in keys.Chunk(ListenBatch))
        {
            var answer = await _connection.RequestAsync<ConfigChangeBatchListenResponse>(new ConfigBatchListenRequest
            {
                ConfigListenContexts = [.. chunk.Select(k => new ConfigListenContext(k.Key.DataId, k.Key.Group, k.Key.Tenant, k.Md5))],
            }, cancellationToken);
            Interlocked.Add(ref _listened, chunk.Length);
            if (answer.ChangedConfigs.Count > 0)
            {
                foreach (var task in tasks)
                {
                    _wakes.Request(task, SyncKind.Config);
                }
            }
        }
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var push in _connection.Pushes.ReadAllAsync(cancellationToken))
            {
                if (push.Request is ConfigChangeNotifyRequest)
                {
                    Interlocked.Increment(ref _pushes);
                    WakeAll();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    private void WakeAll()
    {
        foreach (var task in _tasks.Keys)
        {
            _wakes.Request(task, SyncKind.Config);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _connection.Reconnected -= OnReconnected;
        _work.Writer.TryComplete();
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_loop, _pump);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or NacosException)
        {
            // Stopped between two requests, or the connection was closed first.
        }

        _stop.Dispose();
    }

    /// <summary>A task's keys to listen to: <see cref="Keys"/>, or all of the task's (null), or everything again after a reconnect.</summary>
    private sealed record Work(string? Task, IReadOnlyCollection<(ConfigKey Key, string Md5)>? Keys, bool Relisten);

    [LoggerMessage(EventId = 5120, Level = LogLevel.Information, Message = "Source cluster {Cluster}: gRPC reconnected; listening again to the keys of {Tasks} task(s), which are woken once")]
    private static partial void LogRelistened(ILogger logger, string cluster, int tasks);

    [LoggerMessage(EventId = 5123, Level = LogLevel.Error, Message = "Source cluster {Cluster}: config listening step failed")]
    private static partial void LogWorkFailed(ILogger logger, Exception exception, string cluster);

    [LoggerMessage(EventId = 5121, Level = LogLevel.Warning, Message = "Source cluster {Cluster}: config listening failed ({Error}); changes are still found by the incremental schedule")]
    private static partial void LogListenFailed(ILogger logger, string cluster, string error);
}
