namespace NacosSync.Core.Naming;

/// <summary>
/// The entries of a metadata map, enumerated without an allocation when the map is a <see cref="Dictionary{TKey,TValue}"/>
/// (every map read or built here is one): a <c>foreach</c> over the interface boxes the dictionary's enumerator, and the
/// hot loops over replica metadata (hashing, comparing, stamping, sorting for the wire) run several times per instance
/// copied, a million boxes in an initial copy of 100,000 instances. Any other map is enumerated through its interface.
/// </summary>
internal readonly struct MetadataEntries(IReadOnlyDictionary<string, string> map)
{
    public static MetadataEntries Of(IReadOnlyDictionary<string, string> map) => new(map ?? throw new ArgumentNullException(nameof(map)));

    public Enumerator GetEnumerator() => map is Dictionary<string, string> dictionary ? new Enumerator(dictionary) : new Enumerator(map.GetEnumerator());

    public struct Enumerator : IDisposable
    {
        private readonly IEnumerator<KeyValuePair<string, string>>? _other;
        private Dictionary<string, string>.Enumerator _dictionary;

        internal Enumerator(Dictionary<string, string> dictionary)
        {
            _dictionary = dictionary.GetEnumerator();
            _other = null;
        }

        internal Enumerator(IEnumerator<KeyValuePair<string, string>> other)
        {
            _dictionary = default;
            _other = other;
        }

        public readonly KeyValuePair<string, string> Current => _other is null ? _dictionary.Current : _other.Current;

        public bool MoveNext() => _other?.MoveNext() ?? _dictionary.MoveNext();

        public void Dispose()
        {
            if (_other is null)
            {
                _dictionary.Dispose();
            }
            else
            {
                _other.Dispose();
            }
        }
    }
}
