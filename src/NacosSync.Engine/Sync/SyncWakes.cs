using System.Collections.Concurrent;
using System.Threading.Channels;
using NacosSync.Core.Sync;

namespace NacosSync.Engine.Sync;

/// <summary>
/// Coalesced requests to run a task's incremental sync of one kind now, made when the source pushes a change (the naming
/// change feed, the config source watch). A task and kind has at most one request outstanding: requests made before its next
/// run begins are one; <see cref="Begin"/> clears it, so a push during a run requests another run after it and is never lost.
/// The host turns <see cref="Wakes"/> into runs on the task's owner; the interval schedule goes on beside it.
/// </summary>
internal sealed class SyncWakes
{
    private readonly Channel<SyncWake> _wakes = Channel.CreateUnbounded<SyncWake>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<SyncWake, byte> _requested = new();
    private long _requests;

    /// <summary>The runs to start now, each task and kind at most once until its next run begins.</summary>
    public ChannelReader<SyncWake> Wakes => _wakes.Reader;

    /// <summary>Requests made (coalesced ones included), for tests and logs.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    public void Request(string task, SyncKind kind)
    {
        Interlocked.Increment(ref _requests);
        var wake = new SyncWake(task, kind);
        if (_requested.TryAdd(wake, 0))
        {
            _wakes.Writer.TryWrite(wake);
        }
    }

    /// <summary>An incremental run of the task and kind begins: what it reads covers every change pushed before now.</summary>
    public void Begin(string task, SyncKind kind) => _requested.TryRemove(new SyncWake(task, kind), out _);
}

/// <summary>A task and the kind of sync a source push asks to run.</summary>
internal readonly record struct SyncWake(string Task, SyncKind Kind);
