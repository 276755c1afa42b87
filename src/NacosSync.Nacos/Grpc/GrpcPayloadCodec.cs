using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using NacosSync.Nacos.Grpc.Messages;
using NacosSync.Nacos.Protocol;

namespace NacosSync.Nacos.Grpc;

/// <summary>
/// Payload ⇄ message, as <c>GrpcUtils</c> of the Java client does it: <c>body.value</c> is the JSON of
/// the message, <c>metadata.type</c> its Java simple name, request headers (<c>accessToken</c>) in
/// <c>metadata.headers</c>, the client's address in <c>metadata.clientIp</c> (requests only).
/// </summary>
internal static class GrpcPayloadCodec
{
    public static Payload Encode(GrpcRequest request, string clientIp, IReadOnlyDictionary<string, string>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var metadata = new Metadata { Type = GrpcMessageTypes.NameOf(request.GetType()), ClientIp = clientIp };
        if (headers is not null)
        {
            foreach (var (key, value) in headers)
            {
                metadata.Headers[key] = value;
            }
        }

        return new Payload { Metadata = metadata, Body = Body(request) };
    }

    public static Payload Encode(GrpcResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return new Payload { Metadata = new Metadata { Type = GrpcMessageTypes.NameOf(response.GetType()) }, Body = Body(response) };
    }

    /// <summary>The message of <paramref name="payload"/>: a <see cref="GrpcRequest"/> or a <see cref="GrpcResponse"/>.</summary>
    /// <exception cref="GrpcPayloadException">Unknown type, or a body that is not that type's JSON.</exception>
    public static object Decode(Payload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var type = payload.Metadata?.Type ?? "";
        if (!GrpcMessageTypes.TryGetInfo(type, out var info))
        {
            throw new GrpcPayloadException(type, $"unknown payload type '{type}'", RequestIdOf(payload));
        }

        try
        {
            var body = payload.Body?.Value ?? ByteString.Empty;
            return JsonSerializer.Deserialize(body.Span, info)
                ?? throw new GrpcPayloadException(type, $"{type} body is null", null);
        }
        catch (JsonException e)
        {
            throw new GrpcPayloadException(type, $"{type} body is not valid: {e.Message}", RequestIdOf(payload), e);
        }
    }

    /// <summary>The <c>requestId</c> of a body we cannot otherwise read, so that even an unknown push can be answered.</summary>
    public static string? RequestIdOf(Payload payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload.Body?.Value.Memory ?? ReadOnlyMemory<byte>.Empty);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("requestId", out var id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // The serializer's array is new and nobody else holds it, so the body wraps it rather than copy it (a batch of
    // replicas is kilobytes, sent once per changed service).
    private static Any Body(object message) =>
        new() { Value = UnsafeByteOperations.UnsafeWrap(JsonSerializer.SerializeToUtf8Bytes(message, GrpcMessageTypes.InfoOf(message.GetType()))) };
}

/// <summary>A payload we could not read; <see cref="RequestId"/> when the body still had one.</summary>
internal sealed class GrpcPayloadException(string type, string message, string? requestId, Exception? innerException = null)
    : Exception(message, innerException)
{
    public string Type { get; } = type;

    public string? RequestId { get; } = requestId;
}
