using NacosSync.Bench.Setup;

namespace NacosSync.Bench.Tests;

[TestFixture]
public sealed class BenchArgumentsTests
{
    [Test]
    public void Workload_S_runs_every_scenario_with_a_one_minute_rest_by_default()
    {
        var a = BenchArguments.Parse(["run", "--workload", "s"]);
        Assert.That(a.Workload, Is.SameAs(Workload.S));
        Assert.That(a.Scenarios, Is.EqualTo(BenchArguments.AllScenarios));
        Assert.That(a.Rest, Is.EqualTo(TimeSpan.FromSeconds(60)));
        Assert.That((a.SourceProfile, a.TargetProfile), Is.EqualTo(("2.4", "2.4")));
    }

    [Test]
    public void Workload_L_rests_five_minutes_and_holds_a_hundred_thousand_instances()
    {
        var a = BenchArguments.Parse(["run", "--workload", "L"]);
        Assert.That(a.Rest, Is.EqualTo(TimeSpan.FromMinutes(5)));
        Assert.That(a.Workload.Instances, Is.EqualTo(100_000));
        Assert.That(a.Workload.Configs, Is.EqualTo(50_000));
    }

    [Test]
    public void Scenarios_run_in_their_own_order_whatever_order_they_are_given_in()
    {
        var a = BenchArguments.Parse(["run", "--workload", "S", "--scenario", "burst,initial"]);
        Assert.That(a.Scenarios, Is.EqualTo(new[] { "initial", "burst" }));
    }

    [Test]
    public void Overrides_are_kept_in_order_with_values_that_may_hold_equals_signs()
    {
        var a = BenchArguments.Parse(["run", "--workload", "S", "--set", "Clusters:target:Transport=Grpc", "--set", "State:Database:ConnectionString=a=b;c=d"]);
        Assert.That(a.Overrides, Is.EqualTo(new[]
        {
            new KeyValuePair<string, string>("Clusters:target:Transport", "Grpc"),
            new KeyValuePair<string, string>("State:Database:ConnectionString", "a=b;c=d"),
        }));
    }

    [Test]
    public void One_kind_may_be_switched_off_for_the_initial_copy_and_the_limits()
    {
        var a = BenchArguments.Parse(["run", "--workload", "L", "--scenario", "initial,limits", "--set", "Tasks:bench:Config:Enabled=False"]);
        Assert.That((a.Naming, a.Config), Is.EqualTo((true, false)));
        var b = BenchArguments.Parse(["run", "--workload", "L", "--scenario", "initial", "--set", "tasks:bench:naming:enabled=false", "--set", "Tasks:bench:Naming:Enabled=true"]);
        Assert.That((b.Naming, b.Config), Is.EqualTo((true, true)), "the last override wins, keys case-insensitive, as in the daemon's configuration");
    }

    [Test]
    public void Scenarios_that_need_both_kinds_are_refused_by_name_when_one_is_off()
    {
        var ex = Assert.Throws<ArgumentException>(() => BenchArguments.Parse(["run", "--workload", "L", "--set", "Tasks:bench:Config:Enabled=false"]));
        Assert.That(ex!.Message, Does.Contain("Tasks:bench:Config:Enabled=false").And.Contain("nochange, steady, rest, burst").And.Contain("--scenario initial,limits"));
        Assert.That(() => BenchArguments.Parse(["run", "--workload", "S", "--scenario", "initial", "--set", "Tasks:bench:Config:Enabled=false", "--set", "Tasks:bench:Naming:Enabled=false"]),
            Throws.ArgumentException.With.Message.Contain("nothing would be synced"));
    }

    [Test]
    public void Daemon_environment_is_kept_apart_from_the_configuration_overrides()
    {
        var a = BenchArguments.Parse(["run", "--workload", "L", "--daemon-env", "DOTNET_gcConcurrent=0", "--daemon-env", "DOTNET_TieredCompilation=", "--set", "A:B=1"]);
        Assert.That(a.DaemonEnvironment, Is.EqualTo(new[] { KeyValuePair.Create("DOTNET_gcConcurrent", "0"), KeyValuePair.Create("DOTNET_TieredCompilation", "") }));
        Assert.That(a.Overrides, Is.EqualTo(new[] { KeyValuePair.Create("A:B", "1") }));
    }

    [Test]
    public void Daemon_dll_is_an_existing_nacos_sync_dll_by_full_path()
    {
        var directory = Directory.CreateTempSubdirectory("bench-args-");
        try
        {
            var dll = Path.Combine(directory.FullName, "nacos-sync.dll");
            File.WriteAllText(dll, "");
            Assert.That(BenchArguments.Parse(["run", "--workload", "S"]).DaemonDll, Is.Null);
            Assert.That(BenchArguments.Parse(["run", "--workload", "S", "--daemon-dll", dll]).DaemonDll, Is.EqualTo(dll));
            var other = Path.Combine(directory.FullName, "other.dll");
            File.WriteAllText(other, "");
            Assert.That(() => BenchArguments.Parse(["run", "--workload", "S", "--daemon-dll", other]),
                Throws.ArgumentException.With.Message.Contain($"--daemon-dll '{other}' must name a nacos-sync.dll"));
            var missing = Path.Combine(directory.FullName, "gone", "nacos-sync.dll");
            Assert.That(() => BenchArguments.Parse(["run", "--workload", "S", "--daemon-dll", missing]),
                Throws.ArgumentException.With.Message.Contain("does not exist").And.Message.Contain(missing));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [TestCase(new[] { "run" }, "--workload is required")]
    [TestCase(new[] { "run", "--workload", "S", "--daemon-env", "DOTNET_gcConcurrent" }, "--daemon-env 'DOTNET_gcConcurrent'")]
    [TestCase(new[] { "run", "--workload", "S", "--daemon-env", "1X=0" }, "--daemon-env '1X=0'")]
    [TestCase(new[] { "run", "--workload", "S", "--daemon-env", "A:B=0" }, "--daemon-env 'A:B=0'")]
    [TestCase(new[] { "bench" }, "usage")]
    [TestCase(new[] { "run", "--workload", "M" }, "--workload 'M'")]
    [TestCase(new[] { "run", "--workload", "S", "--scenario", "initial,warmup" }, "--scenario 'initial,warmup'")]
    [TestCase(new[] { "run", "--workload", "S", "--set", "Transport" }, "--set 'Transport'")]
    [TestCase(new[] { "run", "--workload", "S", "--set", "Clusters::x=1" }, "--set 'Clusters::x=1'")]
    [TestCase(new[] { "run", "--workload", "S", "--profiles", "2.4" }, "--profiles '2.4'")]
    [TestCase(new[] { "run", "--workload", "S", "--profiles", "2.4:3.0" }, "--profiles '2.4:3.0'")]
    [TestCase(new[] { "run", "--workload", "S", "--rest-seconds", "-5" }, "--rest-seconds '-5'")]
    [TestCase(new[] { "run", "--workload", "S", "--out" }, "--out needs a value")]
    [TestCase(new[] { "run", "--workload", "S", "--fast", "1" }, "unknown option '--fast'")]
    public void Bad_input_is_an_error_naming_the_flag_and_value(string[] args, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => BenchArguments.Parse(args));
        Assert.That(error!.Message, Does.Contain(expected));
    }
}
