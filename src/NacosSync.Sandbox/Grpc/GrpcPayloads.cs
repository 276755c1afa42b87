using System.Text.Encodings.Web;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using NacosSync.Nacos.Protocol;

namespace NacosSync.Sandbox.Grpc;

/// <summary>
/// Payload ↔ JSON body, as common/.../remote/client/grpc/GrpcUtils.java does it: metadata.type = the
/// Java simple class name, body = an Any whose value is the Jackson JSON (no type URL), request
/// headers in metadata.headers.
/// </summary>
internal static class GrpcPayloads
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Payload Response(NacosResponse response) => Build(response.GetType().Name, response, null);

    public static Payload Push(ServerPush request, string clientIp) => Build(request.GetType().Name, request, clientIp);

    /// <summary>Reads a body; a body that is not the JSON of <typeparamref name="T"/> throws <see cref="JsonException"/>.</summary>
    public static T Parse<T>(Payload payload)
    {
        var bytes = payload.Body?.Value ?? ByteString.Empty;
        if (bytes.IsEmpty)
        {
            throw new JsonException($"{payload.Metadata?.Type} has an empty body");
        }

        return JsonSerializer.Deserialize<T>(bytes.Span, Json)
            ?? throw new JsonException($"{payload.Metadata?.Type} body is null");
    }

    /// <summary>The <c>requestId</c> of a response a client sent on the bi-stream (null when absent or not JSON).</summary>
    public static (string? RequestId, bool Success) ReadAck(Payload payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload.Body?.Value.Memory ?? ReadOnlyMemory<byte>.Empty);
            var root = document.RootElement;
            var requestId = root.TryGetProperty("requestId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
            var success = root.TryGetProperty("resultCode", out var code) && code.ValueKind == JsonValueKind.Number ? code.GetInt32() == 200
                : !root.TryGetProperty("success", out var ok) || ok.ValueKind != JsonValueKind.False;
            return (requestId, success);
        }
        catch (JsonException)
        {
            return (null, false);
        }
    }

    private static Payload Build(string type, object body, string? clientIp)
    {
        var metadata = new Metadata { Type = type };
        if (clientIp is not null)
        {
            metadata.ClientIp = clientIp;
        }

        var json = JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), Json);
        return new Payload { Metadata = metadata, Body = new Any { Value = ByteString.CopyFrom(json) } };
    }
}
