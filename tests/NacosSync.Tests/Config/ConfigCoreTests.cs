using NacosSync.Core.Config;
using NacosSync.Core.Options;

namespace NacosSync.Tests.Config;

[TestFixture]
internal sealed class ConfigCoreTests
{
    // G2 too: the source's own G2 is not copied while G1 is mapped onto G2 (issue 9, defect 2: the two would share one target group).

    [Test]
    public void Md5_is_the_lowercase_hex_of_the_utf8_bytes_as_nacos_stores_it()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ConfigMd5.Of(""), Is.EqualTo("d41d8cd98f00b204e9800998ecf8427e"), "md5 of empty content");
            Assert.That(ConfigMd5.Of("中文"), Is.EqualTo("a7bac2239fcdcb3a067903d8077c4a07"), "UTF-8 bytes, not UTF-16");
        });
    }

    [Test]
    public void A_row_copied_with_new_content_reports_the_md5_of_the_new_content()
    {
        var row = new ConfigRow(new ConfigKey("", "G", "d"), "one", ConfigAttributes.Empty);
        _ = row.Md5;
        Assert.That((row with { Content = "two" }).Md5, Is.EqualTo(ConfigMd5.Of("two")), "a stale md5 would make the writer skip the update");
    }

    [Test]
    public void Tags_compare_equal_whatever_their_order_and_spacing()
    {
        Assert.That(ConfigAttributes.NormalizeTags(" b,a ,,b"), Is.EqualTo("a,b"), "sorted, trimmed, de-duplicated");
    }

    [Test]
    public void Globs_match_runs_of_characters_and_exclude_wins()
    {
        var filter = new ConfigFilter(new FilterOptions { Include = ["app-*", "exact"], Exclude = ["*-secret"] });
        Assert.Multiple(() =>
        {
            Assert.That(filter.Matches("app-1.yaml"), Is.True, "included by app-*");
            Assert.That(filter.Matches("exact"), Is.True, "included exactly");
            Assert.That(filter.Matches("exactly"), Is.False, "no implicit trailing wildcard");
            Assert.That(filter.Matches("app-db-secret"), Is.False, "exclude wins over include");
            Assert.That(ConfigFilter.All.Matches("anything"), Is.True, "empty include = all");
        });
    }

    [Test]
    public void Public_in_the_mapping_names_each_sides_public_namespace()
    {
        var task = new SyncTaskOptions { Namespaces = { ["public"] = "public", ["dev"] = "dev-copy" }, Groups = { ["G1"] = "G2" } };
        var mapping = new ConfigMapping(task, sourcePublicTenant: "", targetPublicTenant: "public");
        Assert.Multiple(() =>
        {
            Assert.That(mapping.MapTenant(""), Is.EqualTo("public"), "2.x public '' maps to 3.0 public 'public'");
            Assert.That(mapping.MapTenant("dev"), Is.EqualTo("dev-copy"), "explicit mapping");
            Assert.That(mapping.MapTenant("other"), Is.Null, "namespaces not in a non-empty mapping are not copied");
            Assert.That(mapping.MapKey(new ConfigKey("dev", "G1", "d")), Is.EqualTo(new ConfigKey("dev-copy", "G2", "d")), "group mapped too");
        });
    }

    [Test]
    public void The_diff_scope_maps_keys_both_ways_and_leaves_out_what_the_task_does_not_copy()
    {
        var task = new SyncTaskOptions { Groups = { ["G1"] = "G2" } };
        var scope = new ConfigDiffScope(new ConfigMapping(task, "", "public"), ["", "ns"], "", task.Groups);
        Assert.Multiple(() =>
        {
            Assert.That(scope.TargetTenants, Is.EqualTo(new[] { "ns", "public" }), "2.x public '' is 3.x 'public' in the target");
            Assert.That(scope.TargetOf(new ConfigKey("", "G1", "x")), Is.EqualTo(new ConfigKey("public", "G2", "x")), "namespace and group mapped");
            Assert.That(scope.SourceOf(new ConfigKey("public", "G2", "x")), Is.EqualTo(new ConfigKey("", "G1", "x")), "and back");
            Assert.That(scope.TargetOf(new ConfigKey("", "G2", "x")), Is.Null, "the source's own G2 is shadowed by G1's copies");
            Assert.That(scope.SourceOf(new ConfigKey("public", "G1", "x")), Is.EqualTo(new ConfigKey("", "G1", "x")),
                "a target G1 config is in scope (a removal candidate: the source's G1 goes to G2)");
            Assert.That(scope.SourceOf(new ConfigKey("other", "G", "x")), Is.Null, "a target namespace the task does not write is not looked at");
        });
    }

    [Test]
    public async Task Mapping_a_source_stream_in_index_order_gives_target_keys_in_index_order()
    {
        var task = new SyncTaskOptions { Groups = { ["A"] = "Z" } };
        var scope = new ConfigDiffScope(new ConfigMapping(task, "", "public"), ["", "dev"], "", task.Groups);
        // Index order of the source: (dataId, group, tenant). Mapping '' -> 'public' and A -> Z reorders within a dataId.
        ConfigDigest D(string tenant, string group, string dataId) => new(new ConfigKey(tenant, group, dataId), "m", new ConfigAttributes("text", "", "", "", ""));
        var source = new[] { D("", "A", "d1"), D("dev", "A", "d1"), D("", "B", "d1"), D("", "A", "d2") }.ToAsyncEnumerable();
        var mapped = new List<ConfigKey>();
        await foreach (var (_, target) in scope.MapAsync(source, CancellationToken.None))
        {
            mapped.Add(target.Key);
        }

        Assert.That(mapped, Is.EqualTo(new[]
        {
            new ConfigKey("public", "B", "d1"), new ConfigKey("dev", "Z", "d1"), new ConfigKey("public", "Z", "d1"), new ConfigKey("public", "Z", "d2"),
        }), "sorted by (dataId, group, tenant) of the target keys, so the merge-join with the target's index walk holds");
    }

    [Test]
    public void Two_source_namespaces_that_map_onto_one_target_namespace_read_only_the_public_one()
    {
        var task = new SyncTaskOptions();
        // A 3.x source may hold rows under both '' and 'public'; both are its public namespace.
        var scope = new ConfigDiffScope(new ConfigMapping(task, "public", "public"), ["", "public"], "public", task.Groups);
        Assert.Multiple(() =>
        {
            Assert.That(scope.SourceTenants, Is.EqualTo(new[] { "public" }), "one source tenant per target tenant, the public one winning");
            Assert.That(scope.TargetOf(new ConfigKey("", "G", "x")), Is.Null, "the other is not copied onto it (each run would flip between them)");
        });
    }
}
