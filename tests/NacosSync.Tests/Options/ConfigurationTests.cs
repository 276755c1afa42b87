using Microsoft.Extensions.Configuration;
using NacosSync.Core.Options;
using NacosSync.Hosting.Options;

namespace NacosSync.Tests.Options;

[TestFixture]
internal sealed class ConfigurationTests
{
    private static readonly Dictionary<string, string?> Valid = new()
    {
        ["Clusters:idc-a:ServerAddresses:0"] = "10.0.0.1:8848",
        ["Clusters:idc-a:Database:ConnectionString"] = "Server=10.0.0.1;Database=nacos;User ID=n;Password=p",
        ["Clusters:idc-b:ServerAddresses:0"] = "10.0.1.1:8848",
        ["Clusters:idc-b:Database:ConnectionString"] = "Server=10.0.1.1;Database=nacos;User ID=n;Password=p",
        ["Tasks:migrate:Source"] = "idc-a",
        ["Tasks:migrate:Target"] = "idc-b",
        ["State:Database:ConnectionString"] = "Server=10.0.2.1;Database=nacossync;User ID=s;Password=secret-state",
    };

    [Test]
    public void A_complete_configuration_binds_with_the_documented_defaults()
    {
        var options = NacosSyncConfiguration.Bind(Build(Valid));

        var task = options.Tasks["migrate"];
        Assert.Multiple(() =>
        {
            Assert.That(task.Schedule.FullCron, Is.EqualTo("0 0/10 * * * ?"), "default full schedule");
            Assert.That(task.Schedule.IncrementalInterval, Is.EqualTo(TimeSpan.FromSeconds(1)), "default incremental interval");
            Assert.That(task.Guards.MaxDeletionRatio, Is.EqualTo(0.2), "default deletion cap");
            Assert.That(task.Naming.ReplicaMode, Is.EqualTo(ReplicaMode.Ephemeral));
            Assert.That(options.Endpoint.Url, Is.EqualTo("http://127.0.0.1:9898"));
        });
    }

    [Test]
    public void A_task_whose_source_is_its_target_is_refused_naming_the_key()
    {
        var errors = Errors(With(("Tasks:migrate:Target", "idc-a")));

        Assert.That(errors, Does.Contain("Tasks:migrate:Target: 'idc-a' is the same cluster as Source; a task must copy between two different clusters"));
    }

    [Test]
    public void Two_cluster_names_for_the_same_servers_are_refused_as_the_same_cluster()
    {
        var errors = Errors(With(("Clusters:idc-b:ServerAddresses:0", "http://10.0.0.1:8848")));

        Assert.That(errors, Does.Contain("Tasks:migrate:Target: 'idc-b' and Source 'idc-a' share the server address 10.0.0.1:8848; a task must copy between two different clusters"));
    }

    [Test]
    public void An_unknown_cluster_is_reported_with_the_known_ones()
    {
        var errors = Errors(With(("Tasks:migrate:Source", "idc-x")));

        Assert.That(errors, Does.Contain("Tasks:migrate:Source: 'idc-x' is not a configured cluster; known clusters: idc-a, idc-b"));
    }

    [Test]
    public void A_bad_cron_expression_names_the_key_the_value_and_an_example()
    {
        var errors = Errors(With(("Tasks:migrate:Schedule:FullCron", "every minute")));

        Assert.That(errors, Has.One.StartsWith("Tasks:migrate:Schedule:FullCron: 'every minute' is not a Quartz cron expression").And.EndsWith("e.g. '0 0/10 * * * ?'"));
    }

    [Test]
    public void A_value_of_the_wrong_type_names_its_key()
    {
        var errors = Errors(With(("Tasks:migrate:Schedule:IncrementalInterval", "soon")));

        Assert.That(errors, Has.One.Contains("Tasks:migrate:Schedule:IncrementalInterval").And.Contains("TimeSpan"));
    }

    [Test]
    public void A_misspelt_key_is_an_error_rather_than_silently_ignored()
    {
        var errors = Errors(With(("Tasks:migrate:Guards:MaxDeleteRatio", "0.5")));

        Assert.That(errors, Has.One.Contains("MaxDeleteRatio"), "a typo in a guard must not leave the default in force unnoticed");
    }

    [Test]
    public void A_misspelt_key_is_named_by_its_full_path_with_the_keys_allowed_there()
    {
        var errors = Errors(With(("Tasks:migrate:Guards:MaxDeleteRatio", "0.5"), ("Clusters:idc-a:Pasword", "x")));

        Assert.That(errors, Is.SupersetOf(new[]
        {
            "Tasks:migrate:Guards:MaxDeleteRatio: unknown key; Tasks:migrate:Guards may hold MaxDeletionRatio, DeletionAllowance, AllowEmptySource, MaxDeletionRatioPerWindow, DeletionWindow, RemovalGrace",
        }), "the path as written in the file, and what is allowed there");
        Assert.That(errors, Has.One.StartsWith("Clusters:idc-a:Pasword: unknown key; Clusters:idc-a may hold ").And.Contains("Password"),
            "every misspelt key is reported at once");
    }

    [Test]
    public void A_secret_file_that_does_not_exist_is_a_configuration_error_naming_the_key()
    {
        var errors = Errors(With(("Clusters:idc-a:Username", "nacos"), ("Clusters:idc-a:PasswordFile", "/nonexistent/pw"),
            ("Endpoint:AdminTokenFile", "/nonexistent/token")));

        Assert.That(errors, Is.SupersetOf(new[]
        {
            "Clusters:idc-a:PasswordFile: '/nonexistent/pw' does not exist; create it with the secret, or set Clusters:idc-a:Password instead",
            "Endpoint:AdminTokenFile: '/nonexistent/token' does not exist; create it with the secret, or set Endpoint:AdminToken instead",
        }));
    }

    [Test]
    public void An_unknown_top_level_key_is_reported()
    {
        var errors = Errors(With(("Task:migrate:Source", "idc-a")));

        Assert.That(errors, Has.One.StartsWith("Task: unknown key"));
    }

    [Test]
    public void Out_of_range_guards_and_intervals_are_reported_together()
    {
        var errors = Errors(With(("Tasks:migrate:Guards:MaxDeletionRatio", "1.5"), ("Tasks:migrate:Schedule:IncrementalInterval", "00:00:00.010")));

        Assert.That(errors, Is.SupersetOf(new[]
        {
            "Tasks:migrate:Guards:MaxDeletionRatio: '1.5' must be from 0 to 1 (a share of the task's replicas)",
            "Tasks:migrate:Schedule:IncrementalInterval: '00:00:00.0100000' must be from 00:00:00.1 to 01:00:00",
        }));
    }

    [Test]
    public void A_negative_or_huge_publish_limit_is_refused_naming_the_key_and_the_range()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Errors(With(("Tasks:migrate:Config:PublishUpTo", "-1"))),
                Has.Member("Tasks:migrate:Config:PublishUpTo: -1 must be from 0 (always write the database) to 10000"));
            Assert.That(Errors(With(("Tasks:migrate:Config:PublishUpTo", "20000"))),
                Has.Member("Tasks:migrate:Config:PublishUpTo: 20000 must be from 0 (always write the database) to 10000"));
            Assert.That(NacosSyncConfiguration.Bind(Build(Valid)).Tasks["migrate"].Config.PublishUpTo, Is.EqualTo(500), "the documented default");
        });
    }

    [Test]
    public void Database_mode_without_a_target_database_suggests_api_mode()
    {
        var settings = With();
        settings.Remove("Clusters:idc-b:Database:ConnectionString");

        var errors = Errors(settings);

        Assert.That(errors, Does.Contain("Clusters:idc-b:Database: missing; task 'migrate' writes configs to the target database (Config:Mode Database); add one, or set Config:Mode to Api"));
    }

    [Test]
    public void A_missing_state_database_is_reported_and_no_secret_is_echoed()
    {
        var settings = With(("Clusters:idc-a:Username", "nacos"), ("Clusters:idc-a:Password", "hunter2"));
        settings.Remove("State:Database:ConnectionString");

        var exception = Assert.Throws<NacosSyncConfigurationException>(() => NacosSyncConfiguration.Bind(Build(settings)));

        Assert.Multiple(() =>
        {
            Assert.That(exception!.Errors, Has.One.StartsWith("State:Database:ConnectionString: missing"));
            Assert.That(exception.Message, Does.Not.Contain("hunter2").And.Not.Contain("secret-state"), "validation messages must never carry secrets");
        });
    }

    [Test]
    public void A_missing_file_is_reported_with_how_to_name_one()
    {
        var exception = Assert.Throws<NacosSyncConfigurationException>(() => NacosSyncConfiguration.Load("/nonexistent/nacos-sync.json"));

        Assert.That(exception!.Errors.Single(), Does.Contain("/nonexistent/nacos-sync.json").And.Contain("--config"));
    }

    [Test]
    public void The_documented_example_configuration_loads_and_validates()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "NacosSync.sln")))
        {
            directory = directory.Parent;
        }

        var path = Path.Combine(directory!.FullName, "config", "nacos-sync.json");
        // The example names mounted secret files (/run/secrets/...); stand in a file for each, as a deployment would mount them.
        var secrets = Directory.CreateTempSubdirectory("nacos-sync-secrets-");
        var mounted = NacosSyncConfiguration.Load(path).AsEnumerable()
            .Where(kv => kv.Key.EndsWith("File", StringComparison.Ordinal) && !string.IsNullOrEmpty(kv.Value))
            .Select(kv =>
            {
                var file = Path.Combine(secrets.FullName, Path.GetFileName(kv.Value!));
                File.WriteAllText(file, "Server=127.0.0.1;Database=x;User ID=u;Password=p");
                return KeyValuePair.Create(kv.Key, (string?)file);
            })
            .ToList();
        NacosSyncOptions options;
        try
        {
            options = NacosSyncConfiguration.Bind(NacosSyncConfiguration.Load(path, mounted));
        }
        finally
        {
            secrets.Delete(recursive: true);
        }

        Assert.Multiple(() =>
        {
            Assert.That(options.Tasks["migrate"].Source, Is.EqualTo("source"));
            Assert.That(options.Clusters["target"].ClusterId, Is.EqualTo("cloud-b"));
            Assert.That(options.Tasks["migrate"].Naming.ServiceFilter.Exclude, Is.EqualTo(new[] { "*-canary" }));
        });
    }

    [Test]
    public void The_example_configuration_tells_examples_from_defaults_and_shows_connection_strings()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "NacosSync.sln")))
        {
            directory = directory.Parent;
        }

        var lines = File.ReadAllLines(Path.Combine(directory!.FullName, "config", "nacos-sync.json"));
        var text = string.Join("\n", lines);
        // Values that differ from the options' defaults: each line must say it is an example (or required).
        string[] examples = ["\"ClusterId\": \"idc-a\"", "\"ClusterId\": \"cloud-b\"", "\"Username\": \"nacos\"", "\"PasswordFile\":",
            "\"Exclude\": [ \"*-canary\" ]", "\"Url\": \"http://0.0.0.0:9898\"", "\"AdminTokenFile\":"];
        var unmarked = lines.Where(l => examples.Any(e => l.Contains(e, StringComparison.Ordinal))
            && !l.Contains("example", StringComparison.OrdinalIgnoreCase) && !l.Contains("required", StringComparison.OrdinalIgnoreCase)).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Not.Contain("Every value shown is the default"), "several values are examples, not defaults");
            Assert.That(unmarked, Is.Empty, "values that are not the defaults are marked as examples");
            Assert.That(text, Does.Contain("Server=").And.Contain("Database=nacossync"), "a connection-string example for the state database");
            Assert.That(text, Does.Contain("Database=nacos_config"), "a connection-string example for a Nacos config database");
        });
    }

    [TestCase("10.0.0.1:8848", "http", "10.0.0.1", 8848)]
    [TestCase("nacos.internal", "http", "nacos.internal", 8848)]
    [TestCase("https://nacos.example.com", "https", "nacos.example.com", 8848)]
    [TestCase("http://10.0.0.1:80", "http", "10.0.0.1", 80)]
    public void Server_addresses_parse_with_nacos_default_port(string text, string scheme, string host, int port)
    {
        Assert.That(ServerAddress.TryParse(text, out var address), Is.True);
        Assert.That(address, Is.EqualTo(new ServerAddress(scheme, host, port)));
    }

    [TestCase("")]
    [TestCase("ftp://x:1")]
    [TestCase("10.0.0.1:8848/nacos")]
    public void Bad_server_addresses_do_not_parse(string text) =>
        Assert.That(ServerAddress.TryParse(text, out _), Is.False);

    private static Dictionary<string, string?> With(params (string Key, string? Value)[] changes)
    {
        var settings = new Dictionary<string, string?>(Valid);
        foreach (var (key, value) in changes)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static IConfiguration Build(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private static IReadOnlyList<string> Errors(Dictionary<string, string?> settings)
    {
        var exception = Assert.Throws<NacosSyncConfigurationException>(() => NacosSyncConfiguration.Bind(Build(settings)));
        return exception!.Errors;
    }
}
