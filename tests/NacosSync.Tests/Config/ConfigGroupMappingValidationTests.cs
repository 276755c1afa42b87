using NacosSync.Core.Options;

namespace NacosSync.Tests.Config;

[TestFixture]
internal sealed class ConfigGroupMappingValidationTests
{
    private static NacosSyncOptions Options(params (string From, string To)[] groups)
    {
        var options = new NacosSyncOptions
        {
            State = { Database = { ConnectionString = "Server=10.0.2.1;Database=s;User ID=s;Password=p" } },
        };
        options.Clusters["a"] = new ClusterOptions { ServerAddresses = ["10.0.0.1:8848"], Database = new DatabaseOptions { ConnectionString = "Server=10.0.0.1;Database=n;User ID=n;Password=p" } };
        options.Clusters["b"] = new ClusterOptions { ServerAddresses = ["10.0.1.1:8848"], Database = new DatabaseOptions { ConnectionString = "Server=10.0.1.1;Database=n;User ID=n;Password=p" } };
        var task = new SyncTaskOptions { Source = "a", Target = "b" };
        foreach (var (from, to) in groups)
        {
            task.Groups[from] = to;
        }

        options.Tasks["t"] = task;
        return options;
    }

    private static IReadOnlyList<string> Errors(NacosSyncOptions options)
    {
        var result = new NacosSyncOptionsValidator().Validate(null, options);
        return result.Failed ? [.. result.Failures] : [];
    }

    [Test]
    public void A_group_mapping_onto_a_new_name_is_accepted()
    {
        Assert.That(Errors(Options(("G1", "G2"))), Is.Empty, "whether the source also has a G2 is known only at run time (the full run reports it)");
    }

    [Test]
    public void Two_source_groups_mapped_onto_one_target_group_are_refused()
    {
        var errors = Errors(Options(("G1", "G3"), ("G2", "G3"), ("G3", "G3-source")));
        Assert.That(errors, Has.Some.StartsWith("Tasks:t:Groups: 'G1', 'G2' all map to 'G3'").And.Contains("add and then delete the same configs"), string.Join(" | ", errors));
    }
}
