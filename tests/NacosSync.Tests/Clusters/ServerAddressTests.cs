using NacosSync.Core.Options;

namespace NacosSync.Tests.Clusters;

/// <summary>The one address parser (<see cref="ServerAddress"/>) and the validator that uses it: port 8848 when left out.</summary>
[TestFixture]
internal sealed class ServerAddressTests
{
    [TestCase("10.0.0.1", "http://10.0.0.1:8848/")]
    [TestCase(" 10.0.0.1:8848 ", "http://10.0.0.1:8848/")]
    [TestCase("https://nacos.example.com/", "https://nacos.example.com:8848/")]
    [TestCase("[::1]", "http://[::1]:8848/")]
    [TestCase("[::1]:9000", "http://[::1]:9000/")]
    [TestCase("https://10.0.0.1:443", "https://10.0.0.1:443/")]
    public void An_address_parses_to_the_base_uri_the_clients_call(string text, string expected)
    {
        Assert.That(ServerAddress.TryParse(text, out var address), Is.True, text);
        Assert.That(address.BaseUri, Is.EqualTo(new Uri(expected)), "Nacos's default port is 8848, not the scheme's 80 or 443");
    }

    [TestCase("10.0.0.1:", Description = "an empty port would silently become 80")]
    [TestCase("http://10.0.0.1:/", Description = "an empty port would silently become 80")]
    [TestCase("nacos:secret@10.0.0.1", Description = "user info: its colon is no port, and a password does not belong here")]
    [TestCase("http://10.0.0.1:8848/nacos", Description = "the context path is ContextPath")]
    [TestCase("10.0.0.1:99999")]
    public void An_address_that_is_not_host_and_port_is_refused(string text) =>
        Assert.That(ServerAddress.TryParse(text, out var parsed), Is.False, $"'{text}' parsed as {parsed}");

    [Test]
    public void The_validator_accepts_a_port_less_address_and_counts_it_as_port_8848()
    {
        var options = TwoClusters("10.0.0.1", "http://10.0.0.1:8848");

        var result = new NacosSyncOptionsValidator().Validate(null, options);

        Assert.That(result.Failures, Is.EqualTo(new[]
        {
            "Tasks:t:Target: 'b' and Source 'a' share the server address 10.0.0.1:8848; a task must copy between two different clusters",
        }), "'10.0.0.1' and 'http://10.0.0.1:8848' are one node: the only complaint is that source and target are the same cluster");
    }

    [Test]
    public void The_validator_names_an_address_it_cannot_parse()
    {
        var options = TwoClusters("10.0.0.1:", "10.0.0.2");

        var result = new NacosSyncOptionsValidator().Validate(null, options);

        Assert.That(result.Failures, Has.One.EqualTo("Clusters:a:ServerAddresses:0: '10.0.0.1:' is not host:port or http(s)://host:port"));
    }

    private static NacosSyncOptions TwoClusters(string source, string target)
    {
        var options = new NacosSyncOptions();
        options.Clusters["a"] = new ClusterOptions { ServerAddresses = [source] };
        options.Clusters["b"] = new ClusterOptions { ServerAddresses = [target] };
        options.Tasks["t"] = new SyncTaskOptions { Source = "a", Target = "b", Config = new ConfigSyncOptions { Enabled = false } };
        options.State.Database.ConnectionString = "Server=10.0.2.1;Database=nacossync;User ID=s;Password=p";
        return options;
    }
}
