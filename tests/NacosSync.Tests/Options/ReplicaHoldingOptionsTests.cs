using Microsoft.Extensions.Configuration;
using NacosSync.Core.Options;
using NacosSync.Hosting.Options;

namespace NacosSync.Tests.Options;

[TestFixture]
internal sealed class ReplicaHoldingOptionsTests
{
    private static readonly Dictionary<string, string?> Valid = new()
    {
        ["Clusters:idc-a:ServerAddresses:0"] = "10.0.0.1:8848",
        ["Clusters:idc-b:ServerAddresses:0"] = "10.0.1.1:8848",
        ["Tasks:migrate:Source"] = "idc-a",
        ["Tasks:migrate:Target"] = "idc-b",
        ["Tasks:migrate:Config:Enabled"] = "false",
        ["State:Database:ConnectionString"] = "Server=10.0.2.1;Database=nacossync;User ID=s;Password=p",
    };

    [Test]
    public void Replica_holding_defaults_to_heartbeat_and_binds_connection()
    {
        var defaults = NacosSyncConfiguration.Bind(Build(Valid));
        var connection = NacosSyncConfiguration.Bind(Build(With(("Tasks:migrate:Naming:ReplicaHolding", "Connection"))));

        Assert.Multiple(() =>
        {
            Assert.That(defaults.Tasks["migrate"].Naming.ReplicaHolding, Is.EqualTo(ReplicaHolding.Heartbeat), "the documented default");
            Assert.That(connection.Tasks["migrate"].Naming.ReplicaHolding, Is.EqualTo(ReplicaHolding.Connection));
            Assert.That(defaults.HighAvailability.StandbyRefreshInterval, Is.EqualTo(TimeSpan.FromSeconds(2)), "the documented default");
        });
    }

    [Test]
    public void Connection_on_a_target_set_to_http_is_refused_naming_both_keys()
    {
        var errors = Errors(With(("Tasks:migrate:Naming:ReplicaHolding", "Connection"), ("Clusters:idc-b:Transport", "Http")));

        Assert.That(errors, Has.Some.Contains("Tasks:migrate:Naming:ReplicaHolding").And.Contains("Clusters:idc-b:Transport is Http"));
    }

    [Test]
    public void Connection_with_persistent_replicas_is_refused_naming_the_key()
    {
        var errors = Errors(With(("Tasks:migrate:Naming:ReplicaHolding", "Connection"), ("Tasks:migrate:Naming:ReplicaMode", "Persistent")));

        Assert.That(errors, Has.Some.Contains("Tasks:migrate:Naming:ReplicaHolding").And.Contains("ReplicaMode is Persistent"));
    }

    [Test]
    public void A_standby_refresh_outside_its_range_is_refused_naming_the_key()
    {
        var errors = Errors(With(("HighAvailability:StandbyRefreshInterval", "00:05:00")));

        Assert.That(errors, Has.Some.Contains("HighAvailability:StandbyRefreshInterval"));
    }

    [Test]
    public void The_run_time_refusal_names_the_key_the_cluster_and_the_way_out()
    {
        var message = ReplicaHoldingRules.NeedsGrpc("migrate", "idc-b", "Nacos 1.4.8");

        Assert.That(message, Does.Contain("Tasks:migrate:Naming:ReplicaHolding").And.Contain("'idc-b'").And.Contain("Nacos 1.4.8").And.Contain("Heartbeat"));
    }

    private static Dictionary<string, string?> With(params (string Key, string? Value)[] changes)
    {
        var settings = new Dictionary<string, string?>(Valid);
        foreach (var (key, value) in changes)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static IConfiguration Build(Dictionary<string, string?> settings) => new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private static IReadOnlyList<string> Errors(Dictionary<string, string?> settings) =>
        Assert.Throws<NacosSyncConfigurationException>(() => NacosSyncConfiguration.Bind(Build(settings)))!.Errors;
}
