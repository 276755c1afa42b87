using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NacosSync.Core.Options;
using NacosSync.Core.Sync;
using NacosSync.Engine.Config;
using NacosSync.Storage.Database;
using NacosSync.Core.State;

namespace NacosSync.Tests.Config;

[TestFixture]
internal sealed class ConfigSyncRegistrationTests
{
    [Test]
    public async Task AddConfigSync_registers_a_config_runner_resolvable_from_what_the_host_provides()
    {
        var services = new ServiceCollection();
        var state = new SqlDatabase("Server=127.0.0.1;Port=1;Database=state;User ID=x;Password=y");
        services.AddSingleton(state);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IRunStateStore>(new InMemoryRunStateStore(TimeProvider.System));
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddSingleton<IOptionsMonitor<NacosSyncOptions>>(new FixedMonitor(new NacosSyncOptions()));
        services.AddConfigSync();

        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        var runners = provider.GetServices<ISyncRunner>().ToList();
        Assert.That(runners.Select(r => r.Kind), Is.EqualTo(new[] { SyncKind.Config }), "one runner, of kind config");

        var result = await runners[0].RunAsync("missing", SyncMode.Full, SyncRunRequest.Default, CancellationToken.None);
        Assert.That(result.Errors.Single().Message, Does.Contain("no task named 'missing'"), "an unknown task is an error in the result, not an exception");
    }

    private sealed class FixedMonitor(NacosSyncOptions value) : IOptionsMonitor<NacosSyncOptions>
    {
        public NacosSyncOptions CurrentValue => value;

        public NacosSyncOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<NacosSyncOptions, string?> listener) => null;
    }
}
