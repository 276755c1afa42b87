using NacosSync.Core.Config;
using NacosSync.Core.Options;

namespace NacosSync.Tests.Config;

[TestFixture]
internal sealed class ConfigCoreTests
{
    // G2 too: the source's own G2 is not copied while G1 is mapped onto G2 (issue 9, defect 2: the two would share one target group).
    private static readonly string[] ExpectedExcluded = ["G1", "G2"];

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
    public void Segments_split_mapped_groups_from_the_rest_so_both_sides_share_one_order()
    {
        var task = new SyncTaskOptions { Groups = { ["G1"] = "G2" } };
        var segments = new ConfigMapping(task, "", "").Segments(["", "ns"]);
        Assert.Multiple(() =>
        {
            Assert.That(segments, Has.Count.EqualTo(4), "per namespace: the rest and one per mapped group");
            Assert.That(segments[0].ExcludedSourceGroups, Is.EqualTo(ExpectedExcluded), "the rest leaves mapped groups to their segment");
            Assert.That(segments[1].MapKey(new ConfigKey("", "G1", "x")), Is.EqualTo(new ConfigKey("", "G2", "x")), "mapped segment renames the group");
        });
    }
}
