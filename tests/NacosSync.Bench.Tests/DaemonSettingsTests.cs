using NacosSync.Bench.Setup;
using NacosSync.Hosting.Options;

namespace NacosSync.Bench.Tests;

[TestFixture]
public sealed class DaemonSettingsTests
{
    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("bench-settings-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    private static DaemonSettings Base() => DaemonSettings.Create(
        ["127.0.0.1:18848", "127.0.0.1:18849"], ["127.0.0.1:28848", "127.0.0.1:28849"],
        "Server=127.0.0.1;Port=3306;User ID=u;Password=p;Database=bench_source",
        "Server=127.0.0.1;Port=3306;User ID=u;Password=p;Database=bench_target",
        "Server=127.0.0.1;Port=3306;User ID=u;Password=p;Database=bench_state",
        "http://127.0.0.1:19898", "token");

    private NacosSync.Core.Options.NacosSyncOptions BindAsTheDaemonDoes(DaemonSettings settings)
    {
        var path = Path.Combine(_directory, "daemon.json");
        File.WriteAllText(path, settings.ToJson());
        return NacosSyncConfiguration.Bind(NacosSyncConfiguration.Load(path));
    }

    [Test]
    public void The_generated_file_is_one_the_daemon_accepts_with_both_clusters_and_the_task()
    {
        var options = BindAsTheDaemonDoes(Base());
        Assert.That(options.Clusters["source"].ServerAddresses, Is.EqualTo(new[] { "127.0.0.1:18848", "127.0.0.1:18849" }),
            "numeric keys bind as the array's indexes");
        Assert.That(options.Clusters["target"].ServerAddresses, Has.Count.EqualTo(2));
        Assert.That(options.Tasks[DaemonSettings.Task].Source, Is.EqualTo("source"));
        Assert.That(options.Tasks[DaemonSettings.Task].Schedule.IncrementalInterval, Is.EqualTo(TimeSpan.FromSeconds(1)));
    }

    [Test]
    public void An_override_replaces_the_base_value_whatever_the_case_of_its_key()
    {
        var settings = Base();
        settings.Apply([BenchArguments.ParseOverride("tasks:bench:schedule:incrementalinterval=00:00:02")]);
        Assert.That(BindAsTheDaemonDoes(settings).Tasks[DaemonSettings.Task].Schedule.IncrementalInterval, Is.EqualTo(TimeSpan.FromSeconds(2)));
        Assert.That(settings.Values.Keys.Count(k => k.Contains("IncrementalInterval", StringComparison.OrdinalIgnoreCase)), Is.EqualTo(1));
    }

    [Test]
    public void An_unknown_override_key_reaches_the_daemon_and_is_refused_there_by_name()
    {
        var settings = Base();
        settings.Apply([BenchArguments.ParseOverride("Clusters:target:NoSuchKey=Grpc")]);
        var error = Assert.Throws<NacosSyncConfigurationException>(() => BindAsTheDaemonDoes(settings));
        Assert.That(error!.Message, Does.Contain("NoSuchKey"));
    }

    [Test]
    public void A_key_used_both_as_a_value_and_a_section_is_an_error_naming_it()
    {
        var settings = Base();
        settings.Apply([BenchArguments.ParseOverride("Tasks:bench:Naming=off")]);
        settings.Apply([BenchArguments.ParseOverride("Tasks:bench:Naming:Enabled=false")]);
        var error = Assert.Throws<ArgumentException>(() => settings.ToJson());
        Assert.That(error!.Message, Does.Contain("Tasks:bench:Naming"));
    }
}
