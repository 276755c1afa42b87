using System.Buffers;
using System.Text.Json;

namespace NacosSync.Nacos.Transport;

/// <summary>What <see cref="JsonItemStream.ReadAsync"/> saw besides the items.</summary>
/// <param name="FoundItems">Whether an item array was found at one of the paths asked for.</param>
/// <param name="Items">How many items were handed over.</param>
/// <param name="Count">A <c>count</c> or <c>totalCount</c> beside the array (v1 catalog, v3 page), if any.</param>
/// <param name="Code">The root's <c>code</c> (a v2/v3 <c>Result</c>), if any.</param>
/// <param name="Message">The root's <c>message</c>, if any.</param>
/// <param name="BufferBytes">The largest read buffer the parse needed: about the largest item, not the answer.</param>
internal sealed record JsonItemStreamSummary(bool FoundItems, int Items, long? Count, int? Code, string? Message, int BufferBytes = 0);

/// <summary>
/// Reads a JSON answer from a stream and hands each object of its item array to a callback as soon
/// as the object has arrived whole, so memory is bounded by the largest item (one service of the
/// catalog), not by the answer. The item array is found by path: <c>""</c> is a root array,
/// <c>"serviceList"</c> a property of the root, <c>"data/pageItems"</c> one inside <c>data</c>.
/// </summary>
internal static class JsonItemStream
{
    private const int InitialBuffer = 16 * 1024;

    /// <exception cref="JsonException">The answer is not JSON, ends early, or an item is not an object.</exception>
    public static async ValueTask<JsonItemStreamSummary> ReadAsync(Stream stream, IReadOnlyCollection<string> itemPaths, Action<JsonElement> onItem,
        CancellationToken cancellationToken, int initialBuffer = InitialBuffer)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var walker = new Walker(itemPaths, onItem);
        var buffer = ArrayPool<byte>.Shared.Rent(initialBuffer);
        var filled = 0;
        var final = false;
        var state = new JsonReaderState();
        try
        {
            while (!walker.Done)
            {
                if (final)
                {
                    throw new JsonException(filled == 0 && walker.Started ? "the answer ended inside its JSON" : "the answer ended before its JSON did");
                }

                if (filled == buffer.Length)
                {
                    // One item is bigger than the buffer: grow it (bounded by the largest item).
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    Buffer.BlockCopy(buffer, 0, bigger, 0, filled);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
                final = read == 0;
                filled += read;
                var consumed = walker.Process(buffer.AsSpan(0, filled), final, ref state);
                Buffer.BlockCopy(buffer, consumed, buffer, 0, filled - consumed);
                filled -= consumed;
            }

            return walker.Summary with { BufferBytes = buffer.Length };
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The parse state that outlives one buffer: where in the document we are, and what was seen.</summary>
    private sealed class Walker(IReadOnlyCollection<string> itemPaths, Action<JsonElement> onItem)
    {
        private readonly List<string> _path = [];
        private string? _pending;
        private int _itemsDepth = -1;
        private bool _foundItems;
        private int _items;
        private long? _count;
        private int? _code;
        private string? _message;

        public bool Done { get; private set; }

        public bool Started { get; private set; }

        public JsonItemStreamSummary Summary => new(_foundItems, _items, _count, _code, _message);

        /// <summary>Consumes every whole token (and every whole item) of <paramref name="data"/>; returns the bytes consumed.</summary>
        public int Process(ReadOnlySpan<byte> data, bool final, ref JsonReaderState state)
        {
            var reader = new Utf8JsonReader(data, final, state);
            var safe = 0L;
            var safeState = state;
            while (!Done)
            {
                if (!reader.Read())
                {
                    break;
                }

                Started = true;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && _itemsDepth >= 0 && reader.CurrentDepth == _itemsDepth + 1)
                {
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        throw new JsonException($"an item of '{string.Join('/', _path)}' is not an object");
                    }

                    var start = reader;
                    if (!reader.TrySkip())
                    {
                        // The item has not arrived whole: take it up again from its first byte with the next read.
                        state = safeState;
                        return (int)safe;
                    }

                    using (var item = JsonDocument.ParseValue(ref start))
                    {
                        onItem(item.RootElement);
                    }

                    _items++;
                }
                else
                {
                    Step(ref reader);
                }

                safe = reader.BytesConsumed;
                safeState = reader.CurrentState;
            }

            state = reader.CurrentState;
            return (int)reader.BytesConsumed;
        }

        private void Step(ref Utf8JsonReader reader)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    _pending = reader.GetString();
                    return;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    if (reader.CurrentDepth > 0)
                    {
                        _path.Add(_pending ?? "[]");
                    }

                    if (reader.TokenType == JsonTokenType.StartArray && !_foundItems && itemPaths.Contains(string.Join('/', _path)))
                    {
                        _itemsDepth = reader.CurrentDepth;
                        _foundItems = true;
                    }

                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    if (reader.CurrentDepth == _itemsDepth)
                    {
                        _itemsDepth = -1;
                    }

                    if (reader.CurrentDepth > 0)
                    {
                        _path.RemoveAt(_path.Count - 1);
                    }
                    else
                    {
                        Done = true;
                    }

                    break;
                case JsonTokenType.Number when _pending is "count" or "totalCount" && _path.Count <= 1 && reader.TryGetInt64(out var count):
                    _count = count;
                    break;
                case JsonTokenType.Number when _pending == "code" && _path.Count == 0 && reader.TryGetInt32(out var code):
                    _code = code;
                    break;
                case JsonTokenType.String when _pending == "message" && _path.Count == 0:
                    _message = reader.GetString();
                    break;
                default:
                    if (reader.CurrentDepth == 0 && reader.TokenType is not (JsonTokenType.Comment or JsonTokenType.None))
                    {
                        // A bare scalar answer: nothing to walk.
                        Done = true;
                    }

                    break;
            }

            _pending = null;
        }
    }
}
