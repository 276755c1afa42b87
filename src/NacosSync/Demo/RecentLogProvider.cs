using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace NacosSync.Cli.Demo;

/// <summary>Keeps the last lines the daemon logged, for the demo's live view (console logging would tear the display).</summary>
internal sealed class RecentLogProvider(int capacity) : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => _lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new RecentLogger(this, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > capacity && _lines.TryDequeue(out _))
        {
        }
    }

    private sealed class RecentLogger(RecentLogProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Add($"{TimeProvider.System.GetUtcNow():HH:mm:ss} {logLevel.ToString()[..4].ToLowerInvariant()} {category}: {formatter(state, exception)}");
            }
        }
    }
}
