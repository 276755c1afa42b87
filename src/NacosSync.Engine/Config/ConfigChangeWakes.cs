using System.Collections.Concurrent;
using System.Threading.Channels;

namespace NacosSync.Engine.Config;

/// <summary>
/// Coalesced requests to run a task's incremental config sync now (a source push, <see cref="ConfigSourceWatches"/>). A task
/// has at most one request outstanding: requests made before its next run starts are one; <see cref="Begin"/> (at the start of
/// each incremental run) clears it, so a push during a run requests another run after it and is never lost. The host turns
/// <see cref="Wakes"/> into job triggers; the interval schedule goes on beside it.
/// </summary>
internal sealed class ConfigChangeWakes
{
    private readonly Channel<string> _wakes = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, byte> _requested = new(StringComparer.Ordinal);
    private long _requests;

    /// <summary>Task names to run now, each at most once until its next run begins.</summary>
    public ChannelReader<string> Wakes => _wakes.Reader;

    /// <summary>Requests made (coalesced ones included), for tests and logs.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    public void Request(string task)
    {
        Interlocked.Increment(ref _requests);
        if (_requested.TryAdd(task, 0))
        {
            _wakes.Writer.TryWrite(task);
        }
    }

    /// <summary>An incremental run of <paramref name="task"/> starts: what it reads covers every change pushed before now.</summary>
    public void Begin(string task) => _requested.TryRemove(task, out _);
}
