using System.Collections.ObjectModel;
using NacosSync.Core.Naming;

namespace NacosSync.Tests.Naming;

[TestFixture]
internal sealed class MetadataEntriesTests
{
    private static readonly KeyValuePair<string, string>[] Pairs = [new("zone", "z1"), new("app", "a"), new("nacos-sync.task", "t")];

    private static List<KeyValuePair<string, string>> Enumerate(IReadOnlyDictionary<string, string> map)
    {
        var seen = new List<KeyValuePair<string, string>>();
        foreach (var entry in MetadataEntries.Of(map))
        {
            seen.Add(entry);
        }

        return seen;
    }

    [Test]
    public void A_dictionary_and_any_other_map_yield_every_entry_once()
    {
        var dictionary = new Dictionary<string, string>(Pairs, StringComparer.Ordinal);
        var readOnly = new ReadOnlyDictionary<string, string>(new Dictionary<string, string>(Pairs, StringComparer.Ordinal));
        var sorted = new SortedDictionary<string, string>(dictionary, StringComparer.Ordinal);
        Assert.Multiple(() =>
        {
            Assert.That(Enumerate(dictionary), Is.EquivalentTo(Pairs));
            Assert.That(Enumerate(readOnly), Is.EquivalentTo(Pairs));
            Assert.That(Enumerate(sorted), Is.EqualTo(Pairs.OrderBy(p => p.Key, StringComparer.Ordinal)));
            Assert.That(Enumerate(NamingInstance.NoMetadata), Is.Empty);
        });
    }

    [Test]
    public void Enumerating_a_dictionary_allocates_nothing_where_the_interface_boxes_its_enumerator()
    {
        var dictionary = new Dictionary<string, string>(Pairs, StringComparer.Ordinal);
        IReadOnlyDictionary<string, string> map = dictionary;
        var count = 0;
        foreach (var _ in MetadataEntries.Of(map))
        {
            count++; // warm up (the first call may allocate for the JIT)
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            foreach (var entry in MetadataEntries.Of(map))
            {
                count += entry.Key.Length;
            }
        }

        var ours = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            foreach (var entry in map)
            {
                count += entry.Key.Length;
            }
        }

        var boxed = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Multiple(() =>
        {
            Assert.That(ours, Is.Zero, "bytes allocated by 1,000 enumerations through MetadataEntries");
            Assert.That(boxed, Is.GreaterThan(0), "the interface's enumeration, which this replaces, does allocate");
            Assert.That(count, Is.GreaterThan(0));
        });
    }

    [Test]
    public void A_null_map_is_named()
    {
        Assert.That(() => MetadataEntries.Of(null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("map"));
    }
}
