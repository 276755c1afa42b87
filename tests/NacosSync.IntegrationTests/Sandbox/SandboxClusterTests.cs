using Dapper;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Sandbox;

namespace NacosSync.IntegrationTests.Sandbox;

[TestFixture]
internal sealed class SandboxClusterTests
{
    [TestCase(NacosVersionProfile.V1_4, "1.4.8")]
    [TestCase(NacosVersionProfile.V2_2_0, "2.2.0")]
    [TestCase(NacosVersionProfile.V2_4, "2.4.3")]
    [TestCase(NacosVersionProfile.V2_5, "2.5.1")]
    [TestCase(NacosVersionProfile.V3_0, "3.0.3")]
    public async Task Every_node_reports_the_profile_version_and_cluster_mode(NacosVersionProfile profile, string version)
    {
        await using var cluster = await SandboxTestKit.StartAsync(nodes: 2, profile: profile);

        foreach (var node in cluster.Nodes)
        {
            using var client = SandboxTestKit.Client(node);
            var state = await client.GetJsonAsync("/nacos/v1/console/server/state");
            Assert.Multiple(() =>
            {
                Assert.That((string?)state["version"], Is.EqualTo(version), "the version detects the profile");
                Assert.That((string?)state["standalone_mode"], Is.EqualTo("cluster"), "a sandbox cluster runs in cluster mode by default");
            });
        }

        Assert.That(cluster.ServerAddresses, Has.Count.EqualTo(2).And.All.StartWith("127.0.0.1:"), "each node has its own address");
        Assert.That(cluster.ServerAddresses.Distinct().Count(), Is.EqualTo(2), "nodes listen on distinct ports");
    }

    [Test]
    public async Task Cluster_nodes_lists_every_member_and_a_stopped_one_as_down()
    {
        await using var cluster = await SandboxTestKit.StartAsync(nodes: 2);
        await cluster.Nodes[1].StopAsync();
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);

        var members = (await client.GetJsonAsync("/nacos/v1/core/cluster/nodes"))["data"]!.AsArray();

        Assert.That(members.Select(m => (string?)m!["address"]), Is.EqualTo(cluster.ServerAddresses), "every node is a member");
        Assert.That(members.Select(m => (string?)m!["state"]), Is.EqualTo(new[] { "UP", "DOWN" }), "the stopped node shows as DOWN");
    }

    [Test]
    public async Task A_stopped_node_refuses_connections_and_answers_again_on_the_same_port_after_restart()
    {
        await using var cluster = await SandboxTestKit.StartAsync();
        var node = cluster.Nodes[0];
        var address = node.BaseAddress;
        using var client = SandboxTestKit.Client(node);

        await node.StopAsync();
        Assert.That(async () => await client.GetAsync(new Uri("/nacos/v1/console/server/state", UriKind.Relative)),
            Throws.InstanceOf<HttpRequestException>(), "a stopped node must not answer");

        await node.StartAsync();
        Assert.That(node.BaseAddress, Is.EqualTo(address), "a restart keeps the port");
        var state = await client.GetJsonAsync("/nacos/v1/console/server/state");
        Assert.That((string?)state["version"], Is.EqualTo("2.4.3"), "the restarted node answers");
    }

    [TestCase(NacosVersionProfile.V1_4, false, true, false)]
    [TestCase(NacosVersionProfile.V2_2_0, true, true, false)]
    [TestCase(NacosVersionProfile.V2_4, true, true, false)]
    [TestCase(NacosVersionProfile.V2_5, true, false, true)]
    [TestCase(NacosVersionProfile.V3_0, true, false, true)]
    public async Task The_schema_has_the_tables_and_columns_of_the_profile_and_creating_it_twice_changes_nothing(
        NacosVersionProfile profile, bool hasEncryptedKey, bool hasBeta, bool hasGray)
    {
        var database = await MariaDbServer.CreateDatabaseAsync("schema");
        await NacosSchema.CreateAsync(database, profile, CancellationToken.None);
        await using var connection = await database.OpenAsync(CancellationToken.None);
        var before = await DescribeAsync(connection);
        await NacosSchema.CreateAsync(database, profile, CancellationToken.None);
        var after = await DescribeAsync(connection);
        var tables = (await connection.QueryAsync<string>("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()")).ToHashSet();
        var keyColumn = await connection.QuerySingleOrDefaultAsync<string>(
            "SELECT CONCAT(column_type, ' ', is_nullable, ' ', COALESCE(column_default, '<none>')) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'config_info' AND column_name = 'encrypted_data_key'");

        Assert.Multiple(() =>
        {
            Assert.That(after, Is.EqualTo(before), "CreateAsync is idempotent");
            Assert.That(tables, Is.SupersetOf(new[] { "config_info", "his_config_info", "tenant_info", "config_tags_relation", "users", "roles", "permissions" }), "the common tables exist");
            Assert.That(tables.Contains("config_info_beta") && tables.Contains("config_info_tag"), Is.EqualTo(hasBeta), "beta/tag tables exist before 2.5 only");
            Assert.That(tables.Contains("config_info_gray"), Is.EqualTo(hasGray), "the gray table exists from 2.5 on");
            Assert.That(keyColumn is not null, Is.EqualTo(hasEncryptedKey), "encrypted_data_key exists from 2.1 on");
        });

        if (profile == NacosVersionProfile.V2_2_0)
        {
            Assert.That(keyColumn, Does.StartWith("text NO").And.EndWith("<none>"), "2.1–2.3 declare TEXT NOT NULL without default");
        }
        else if (profile == NacosVersionProfile.V2_4)
        {
            Assert.That(keyColumn, Does.StartWith("varchar(1024) NO"), "2.4 declares varchar(1024) NOT NULL default ''");
        }
    }

    private static async Task<string> DescribeAsync(System.Data.Common.DbConnection connection) =>
        string.Join('\n', await connection.QueryAsync<string>(
            "SELECT CONCAT(table_name, '.', column_name, ':', column_type) FROM information_schema.columns WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position"));
}
