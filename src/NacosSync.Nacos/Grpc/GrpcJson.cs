using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using NacosSync.Nacos.Grpc.Messages;

namespace NacosSync.Nacos.Grpc;

/// <summary>
/// Source-generated JSON of the message bodies: camelCase as Jackson writes Java bean properties,
/// nulls left out as Nacos's <c>JacksonUtils</c> does (<c>Include.NON_NULL</c>); its reader also
/// ignores unknown properties (<c>FAIL_ON_UNKNOWN_PROPERTIES</c> disabled), as ours does.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ServerCheckRequest))]
[JsonSerializable(typeof(ServerCheckResponse))]
[JsonSerializable(typeof(ConnectionSetupRequest))]
[JsonSerializable(typeof(SetupAckRequest))]
[JsonSerializable(typeof(SetupAckResponse))]
[JsonSerializable(typeof(HealthCheckRequest))]
[JsonSerializable(typeof(HealthCheckResponse))]
[JsonSerializable(typeof(ClientDetectionRequest))]
[JsonSerializable(typeof(ClientDetectionResponse))]
[JsonSerializable(typeof(ConnectResetRequest))]
[JsonSerializable(typeof(ConnectResetResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(InstanceRequest))]
[JsonSerializable(typeof(InstanceResponse))]
[JsonSerializable(typeof(BatchInstanceRequest))]
[JsonSerializable(typeof(BatchInstanceResponse))]
[JsonSerializable(typeof(SubscribeServiceRequest))]
[JsonSerializable(typeof(SubscribeServiceResponse))]
[JsonSerializable(typeof(NotifySubscriberRequest))]
[JsonSerializable(typeof(NotifySubscriberResponse))]
[JsonSerializable(typeof(ServiceQueryRequest))]
[JsonSerializable(typeof(QueryServiceResponse))]
[JsonSerializable(typeof(ServiceListRequest))]
[JsonSerializable(typeof(ServiceListResponse))]
[JsonSerializable(typeof(ConfigQueryRequest))]
[JsonSerializable(typeof(ConfigQueryResponse))]
[JsonSerializable(typeof(ConfigPublishRequest))]
[JsonSerializable(typeof(ConfigPublishResponse))]
[JsonSerializable(typeof(ConfigRemoveRequest))]
[JsonSerializable(typeof(ConfigRemoveResponse))]
[JsonSerializable(typeof(ConfigBatchListenRequest))]
[JsonSerializable(typeof(ConfigChangeBatchListenResponse))]
[JsonSerializable(typeof(ConfigChangeNotifyRequest))]
[JsonSerializable(typeof(ConfigChangeNotifyResponse))]
internal sealed partial class GrpcJsonContext : JsonSerializerContext;

/// <summary>
/// Which body goes with which <c>metadata.type</c>. The names are the Java classes' simple names
/// (<c>GrpcUtils.convert</c> writes <c>getClass().getSimpleName()</c>), spelled out here rather than
/// taken from our type names so that renaming a record cannot change the wire.
/// </summary>
internal static class GrpcMessageTypes
{
    private static readonly Dictionary<Type, string> NamesByType = [];
    private static readonly Dictionary<string, JsonTypeInfo> InfoByName = new(StringComparer.Ordinal);

    static GrpcMessageTypes()
    {
        var c = GrpcJsonContext.Default;
        Add("ServerCheckRequest", c.ServerCheckRequest);
        Add("ServerCheckResponse", c.ServerCheckResponse);
        Add("ConnectionSetupRequest", c.ConnectionSetupRequest);
        Add("SetupAckRequest", c.SetupAckRequest);
        Add("SetupAckResponse", c.SetupAckResponse);
        Add("HealthCheckRequest", c.HealthCheckRequest);
        Add("HealthCheckResponse", c.HealthCheckResponse);
        Add("ClientDetectionRequest", c.ClientDetectionRequest);
        Add("ClientDetectionResponse", c.ClientDetectionResponse);
        Add("ConnectResetRequest", c.ConnectResetRequest);
        Add("ConnectResetResponse", c.ConnectResetResponse);
        Add("ErrorResponse", c.ErrorResponse);
        Add("InstanceRequest", c.InstanceRequest);
        Add("InstanceResponse", c.InstanceResponse);
        Add("BatchInstanceRequest", c.BatchInstanceRequest);
        Add("BatchInstanceResponse", c.BatchInstanceResponse);
        Add("SubscribeServiceRequest", c.SubscribeServiceRequest);
        Add("SubscribeServiceResponse", c.SubscribeServiceResponse);
        Add("NotifySubscriberRequest", c.NotifySubscriberRequest);
        Add("NotifySubscriberResponse", c.NotifySubscriberResponse);
        Add("ServiceQueryRequest", c.ServiceQueryRequest);
        Add("QueryServiceResponse", c.QueryServiceResponse);
        Add("ServiceListRequest", c.ServiceListRequest);
        Add("ServiceListResponse", c.ServiceListResponse);
        Add("ConfigQueryRequest", c.ConfigQueryRequest);
        Add("ConfigQueryResponse", c.ConfigQueryResponse);
        Add("ConfigPublishRequest", c.ConfigPublishRequest);
        Add("ConfigPublishResponse", c.ConfigPublishResponse);
        Add("ConfigRemoveRequest", c.ConfigRemoveRequest);
        Add("ConfigRemoveResponse", c.ConfigRemoveResponse);
        Add("ConfigBatchListenRequest", c.ConfigBatchListenRequest);
        Add("ConfigChangeBatchListenResponse", c.ConfigChangeBatchListenResponse);
        Add("ConfigChangeNotifyRequest", c.ConfigChangeNotifyRequest);
        Add("ConfigChangeNotifyResponse", c.ConfigChangeNotifyResponse);
    }

    /// <summary>Every known <c>metadata.type</c>.</summary>
    public static IEnumerable<string> Names => InfoByName.Keys;

    /// <summary>The <c>metadata.type</c> of <paramref name="type"/>.</summary>
    public static string NameOf(Type type) => NamesByType.TryGetValue(type, out var name)
        ? name
        : throw new InvalidOperationException($"{type.Name} is not a Nacos gRPC message this client knows");

    public static JsonTypeInfo InfoOf(Type type) => InfoByName[NameOf(type)];

    public static bool TryGetInfo(string name, out JsonTypeInfo info) => InfoByName.TryGetValue(name, out info!);

    private static void Add<T>(string name, JsonTypeInfo<T> info)
    {
        NamesByType.Add(typeof(T), name);
        InfoByName.Add(name, info);
    }
}
