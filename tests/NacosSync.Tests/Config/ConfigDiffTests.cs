using NacosSync.Core.Config;

namespace NacosSync.Tests.Config;

[TestFixture]
internal sealed class ConfigDiffTests
{
    private static ConfigDigest Row(string dataId, string md5 = "m", string group = "G", string type = "text") =>
        new(new ConfigKey("", group, dataId), md5, ConfigAttributes.Empty with { Type = type });

    private static async IAsyncEnumerable<ConfigDigest> Stream(params ConfigDigest[] rows)
    {
        foreach (var row in rows)
        {
            await Task.Yield();
            yield return row;
        }
    }

    private static async Task<List<ConfigDifference>> Diff(ConfigDigest[] source, ConfigDigest[] target)
    {
        var result = new List<ConfigDifference>();
        await foreach (var d in ConfigDiff.DiffAsync(Stream(source), Stream(target), CancellationToken.None))
        {
            result.Add(d);
        }

        return result;
    }

    [TestCase(1L, 1L, true)]
    [TestCase(1L, 2L, false)]
    [TestCase(null, 2L, true)]
    [TestCase(1L, null, true)]
    public void Content_checksums_are_compared_only_where_both_digests_carry_one(long? source, long? target, bool same)
    {
        // A digest hashed in process (no CRC) against one from a digest walk: the md5 alone decides.
        var key = new ConfigKey("", "G", "a");
        Assert.That(new ConfigDigest(key, "m", ConfigAttributes.Empty, source).SameAs(new ConfigDigest(key, "M", ConfigAttributes.Empty, target)), Is.EqualTo(same));
    }

    [Test]
    public async Task Rows_only_in_the_source_are_added_rows_only_in_the_target_are_removal_candidates_and_changed_rows_are_updated()
    {
        var diff = await Diff(
            [Row("a"), Row("b", "m1"), Row("c"), Row("e", type: "yaml")],
            [Row("b", "m2"), Row("c"), Row("d"), Row("e", type: "json")]);

        Assert.That(diff.Select(d => (d.Kind, d.Key.DataId)), Is.EqualTo(new[]
        {
            (ConfigChangeKind.Add, "a"),
            (ConfigChangeKind.Update, "b"),
            (ConfigChangeKind.Remove, "d"),
            (ConfigChangeKind.Update, "e"),
        }), "equal rows yield nothing; md5 and attribute changes both count as updates");
    }

    [Test]
    public async Task Md5_is_compared_without_regard_to_case()
    {
        var diff = await Diff([Row("a", "ABCDEF")], [Row("a", "abcdef")]);
        Assert.That(diff, Is.Empty, "MySQL MD5() and our md5 may differ in case only");
    }

    [Test]
    public void A_side_out_of_key_order_stops_the_diff_instead_of_reporting_false_removals()
    {
        Assert.ThrowsAsync<InvalidOperationException>(() => Diff([Row("a")], [Row("c"), Row("b")]),
            "an unordered target would make every later source row look missing");
    }

    [Test]
    public async Task Memory_stays_flat_because_the_diff_holds_one_row_per_side()
    {
        // 200,000 rows per side produced lazily; only the 1 % that differ are kept by the test.
        static async IAsyncEnumerable<ConfigDigest> Many(bool drift)
        {
            for (var i = 0; i < 200_000; i++)
            {
                yield return Row(i.ToString("D7", System.Globalization.CultureInfo.InvariantCulture), drift && i % 100 == 0 ? "x" : "m");
            }

            await Task.CompletedTask;
        }

        var before = GC.GetTotalAllocatedBytes(precise: false);
        GC.Collect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        long count = 0;
        long peak = 0;
        await foreach (var d in ConfigDiff.DiffAsync(Many(true), Many(false), CancellationToken.None))
        {
            count++;
            if (count % 500 == 0)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false) - heapBefore);
            }
        }

        Assert.That(count, Is.EqualTo(2_000), "1 % of the rows differ");
        Assert.That(GC.GetTotalAllocatedBytes(precise: false), Is.GreaterThan(before), "the rows were really produced");
        Assert.That(peak, Is.LessThan(64L * 1024 * 1024), "the diff must not buffer the 200,000-row streams");
    }

    [Test]
    public void Keys_order_by_code_point_so_characters_above_the_basic_plane_sort_last_as_in_utf8_bytes()
    {
        var emoji = "\U0001F600";
        var privateUse = "\uE000";
        Assert.Multiple(() =>
        {
            Assert.That(ConfigKeyComparer.CompareCodePoints(privateUse, emoji), Is.Negative, "U+E000 < U+1F600 in UTF-8 byte order");
            Assert.That(string.CompareOrdinal(privateUse, emoji), Is.Positive, "ordinal UTF-16 comparison gets it wrong, which is why the comparer exists");
            Assert.That(ConfigKeyComparer.CompareCodePoints("a", "ab"), Is.Negative, "a prefix sorts first");
            Assert.That(ConfigKeyComparer.CompareCodePoints("B", "a"), Is.Negative, "binary order: upper case before lower case");
            Assert.That(ConfigKeyComparer.CompareCodePoints("a\t", "a"), Is.Negative, "PAD SPACE: 'a' compares as 'a ', and tab < space");
            Assert.That(ConfigKeyComparer.CompareCodePoints("a ", "a"), Is.Zero, "PAD SPACE: trailing spaces do not count");
            Assert.That(ConfigKeyComparer.Instance.Compare(new ConfigKey("", "Z", "a"), new ConfigKey("", "A", "b")), Is.Negative,
                "dataId before group, as the unique index (data_id, group_id, tenant_id) orders rows");
        });
    }

    [Test]
    public void Compare_of_one_key_reports_add_update_remove_or_nothing()
    {
        var key = new ConfigKey("", "G", "a");
        Assert.Multiple(() =>
        {
            Assert.That(ConfigDiff.Compare(key, Row("a"), null)?.Kind, Is.EqualTo(ConfigChangeKind.Add), "missing in target");
            Assert.That(ConfigDiff.Compare(key, null, Row("a"))?.Kind, Is.EqualTo(ConfigChangeKind.Remove), "gone from source");
            Assert.That(ConfigDiff.Compare(key, Row("a", "1"), Row("a", "2"))?.Kind, Is.EqualTo(ConfigChangeKind.Update), "changed");
            Assert.That(ConfigDiff.Compare(key, Row("a"), Row("a")), Is.Null, "equal");
        });
    }
}
