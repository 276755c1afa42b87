using System.Text.Json.Nodes;
using NacosSync.Nacos.Grpc;
using NacosSync.Nacos.Grpc.Messages;
using NacosSync.Nacos.Protocol;

namespace NacosSync.Tests.Nacos.Grpc;

/// <summary>
/// The bodies carry the field names of the Java classes in alibaba/nacos
/// (api/src/main/java/com/alibaba/nacos/api/{remote,naming/remote,config/remote}/{request,response}/),
/// checked here against names written out from those files, not against our own records.
/// </summary>
[TestFixture]
public sealed class GrpcMessageJsonTests
{
    private static JsonObject Body(GrpcRequest request) =>
        JsonNode.Parse(GrpcPayloadCodec.Encode(request, "10.0.0.9").Body.Value.ToStringUtf8())!.AsObject();

    private static Payload Payload(string type, string json) =>
        new() { Metadata = new Metadata { Type = type }, Body = new Google.Protobuf.WellKnownTypes.Any { Value = Google.Protobuf.ByteString.CopyFromUtf8(json) } };

    [Test]
    public void ConnectionSetupRequest_has_the_fields_of_ConnectionSetupRequest_java_and_the_cleared_headers_of_GrpcUtils()
    {
        var body = Body(new ConnectionSetupRequest
        {
            ClientVersion = "NacosSync:v0.1.0",
            Tenant = "ns1",
            Labels = new Dictionary<string, string> { ["source"] = "sdk", ["module"] = "naming" },
            AbilityTable = new Dictionary<string, bool>(),
        });

        Assert.Multiple(() =>
        {
            Assert.That(body["clientVersion"]!.GetValue<string>(), Is.EqualTo("NacosSync:v0.1.0"));
            Assert.That(body["tenant"]!.GetValue<string>(), Is.EqualTo("ns1"));
            Assert.That(body["labels"]!["source"]!.GetValue<string>(), Is.EqualTo("sdk"), "RemoteConstants.LABEL_SOURCE_SDK");
            Assert.That(body["labels"]!["module"]!.GetValue<string>(), Is.EqualTo("naming"), "RemoteConstants.LABEL_MODULE_NAMING");
            Assert.That(body["abilityTable"], Is.InstanceOf<JsonObject>(), "a non-null ability table asks a 2.3+ server for SetupAckRequest");
            Assert.That(body["headers"]!.AsObject(), Is.Empty, "GrpcUtils.convertRequestToByte clears the headers before serialising");
            Assert.That(body["module"]!.GetValue<string>(), Is.EqualTo("internal"), "InternalRequest.getModule()");
        });
    }

    [Test]
    public void InstanceRequest_has_the_fields_of_InstanceRequest_java_AbstractNamingRequest_java_and_Instance_java()
    {
        var body = Body(new InstanceRequest
        {
            Namespace = "public", ServiceName = "svc", GroupName = "DEFAULT_GROUP", Type = InstanceRequest.Register,
            Instance = new GrpcInstance { Ip = "10.0.0.1", Port = 8080, ClusterName = "DEFAULT", Metadata = new Dictionary<string, string> { ["k"] = "v" } },
        });
        var instance = body["instance"]!.AsObject();

        Assert.Multiple(() =>
        {
            Assert.That(body.Select(p => p.Key), Is.SupersetOf(new[] { "namespace", "serviceName", "groupName", "type", "instance", "module" }));
            Assert.That(body["type"]!.GetValue<string>(), Is.EqualTo("registerInstance"), "NamingRemoteConstants.REGISTER_INSTANCE");
            Assert.That(body["module"]!.GetValue<string>(), Is.EqualTo("naming"), "AbstractNamingRequest.getModule()");
            Assert.That(instance.Select(p => p.Key), Is.SupersetOf(new[] { "ip", "port", "weight", "healthy", "enabled", "ephemeral", "clusterName", "metadata" }));
            Assert.That(instance["ephemeral"]!.GetValue<bool>(), Is.True, "Instance.java: ephemeral defaults to true");
            Assert.That(instance["weight"]!.GetValue<double>(), Is.EqualTo(1.0), "Instance.java: weight defaults to 1.0");
        });
    }

    [Test]
    public void Batch_subscribe_and_list_requests_carry_the_fields_their_java_classes_name()
    {
        var batch = Body(new BatchInstanceRequest { ServiceName = "svc", GroupName = "g", Instances = [new GrpcInstance { Ip = "10.0.0.1", Port = 1 }] });
        var subscribe = Body(new SubscribeServiceRequest { ServiceName = "svc", GroupName = "g", Clusters = "" });
        var list = Body(new ServiceListRequest { Namespace = "public", GroupName = "g", PageNo = 2, PageSize = 500 });
        var query = Body(new ServiceQueryRequest { ServiceName = "svc", GroupName = "g" });

        Assert.Multiple(() =>
        {
            Assert.That(batch["type"]!.GetValue<string>(), Is.EqualTo("batchRegisterInstance"), "NamingRemoteConstants.BATCH_REGISTER_INSTANCE");
            Assert.That(batch["instances"]!.AsArray(), Has.Count.EqualTo(1), "BatchInstanceRequest.instances");
            Assert.That(subscribe["subscribe"]!.GetValue<bool>(), Is.True, "SubscribeServiceRequest.subscribe");
            Assert.That(subscribe["clusters"]!.GetValue<string>(), Is.EqualTo(""), "SubscribeServiceRequest.clusters");
            Assert.That(list["pageNo"]!.GetValue<int>(), Is.EqualTo(2), "ServiceListRequest.pageNo");
            Assert.That(list["pageSize"]!.GetValue<int>(), Is.EqualTo(500), "ServiceListRequest.pageSize");
            Assert.That(query.Select(p => p.Key), Is.SupersetOf(new[] { "cluster", "healthyOnly", "udpPort" }), "ServiceQueryRequest.java");
        });
    }

    [Test]
    public void Config_requests_carry_the_fields_of_AbstractConfigRequest_java_and_their_own()
    {
        var listen = Body(new ConfigBatchListenRequest { ConfigListenContexts = [new ConfigListenContext("d", "g", "t", "abc")] });
        var publish = Body(new ConfigPublishRequest { DataId = "d", Group = "g", Tenant = "t", Content = "x", CasMd5 = "m", AdditionMap = new Dictionary<string, string> { ["type"] = "yaml" } });
        var query = Body(new ConfigQueryRequest { DataId = "d", Group = "g", Tenant = "t", Tag = "" });
        var context = listen["configListenContexts"]![0]!.AsObject();

        Assert.Multiple(() =>
        {
            Assert.That(listen["listen"]!.GetValue<bool>(), Is.True, "ConfigBatchListenRequest.listen defaults to true");
            Assert.That(context.Select(p => p.Key), Is.EquivalentTo(new[] { "dataId", "group", "tenant", "md5" }), "ConfigBatchListenRequest.ConfigListenContext");
            Assert.That(publish.Select(p => p.Key), Is.SupersetOf(new[] { "dataId", "group", "tenant", "content", "casMd5", "additionMap" }), "ConfigPublishRequest.java");
            Assert.That(publish["module"]!.GetValue<string>(), Is.EqualTo("config"), "Constants.Config.CONFIG_MODULE");
            Assert.That(query.Select(p => p.Key), Is.SupersetOf(new[] { "dataId", "group", "tenant", "tag" }), "ConfigQueryRequest.java");
        });
    }

    [Test]
    public void A_server_check_response_as_Jackson_writes_it_yields_the_connection_id_and_the_negotiation_flag()
    {
        // ServerCheckResponse.java + Response.java: Jackson writes every getter (isSuccess() as "success"), nulls left out (JacksonUtils NON_NULL).
        var answer = GrpcPayloadCodec.Decode(Payload("ServerCheckResponse",
            """{"resultCode":200,"errorCode":0,"connectionId":"1700000000000_127.0.0.1_51234","supportAbilityNegotiation":true,"success":true}"""));

        Assert.That(answer, Is.EqualTo(new ServerCheckResponse { ConnectionId = "1700000000000_127.0.0.1_51234", SupportAbilityNegotiation = true }));
    }

    [Test]
    public void A_subscriber_push_as_the_server_writes_it_yields_the_service_and_its_hosts()
    {
        // NotifySubscriberRequest.java + ServiceInfo.java + Instance.java, extra getters (instanceHeartBeatInterval, valid) included.
        var push = (NotifySubscriberRequest)GrpcPayloadCodec.Decode(Payload("NotifySubscriberRequest", """
            {"headers":{},"requestId":"42","namespace":"public","serviceName":"svc","groupName":"DEFAULT_GROUP",
             "serviceInfo":{"name":"svc","groupName":"DEFAULT_GROUP","clusters":"","cacheMillis":10000,
               "hosts":[{"instanceId":"10.0.0.1#8080#DEFAULT#DEFAULT_GROUP@@svc","ip":"10.0.0.1","port":8080,"weight":1.0,"healthy":true,
                 "enabled":true,"ephemeral":true,"clusterName":"DEFAULT","serviceName":"DEFAULT_GROUP@@svc","metadata":{"k":"v"},
                 "instanceHeartBeatInterval":5000,"instanceHeartBeatTimeOut":15000,"ipDeleteTimeout":30000}],
               "lastRefTime":1700000000000,"checksum":"","allIps":false,"reachProtectionThreshold":false,"valid":true},"module":"naming"}
            """));

        Assert.Multiple(() =>
        {
            Assert.That(push.RequestId, Is.EqualTo("42"), "the answer must carry it back");
            Assert.That(push.ServiceInfo!.Name, Is.EqualTo("svc"));
            Assert.That(push.ServiceInfo.Hosts.Single().Ip, Is.EqualTo("10.0.0.1"));
            Assert.That(push.ServiceInfo.Hosts.Single().Metadata["k"], Is.EqualTo("v"));
            Assert.That(push.ServiceInfo.LastRefTime, Is.EqualTo(1700000000000L));
        });
    }

    [Test]
    public void Config_answers_yield_changed_keys_and_the_not_found_code_300()
    {
        var changed = (ConfigChangeBatchListenResponse)GrpcPayloadCodec.Decode(Payload("ConfigChangeBatchListenResponse",
            """{"resultCode":200,"errorCode":0,"changedConfigs":[{"group":"g","dataId":"d","tenant":"t"}],"success":true}"""));
        var missing = (ConfigQueryResponse)GrpcPayloadCodec.Decode(Payload("ConfigQueryResponse",
            """{"resultCode":500,"errorCode":300,"message":"config data not exist","lastModified":0,"beta":false,"success":false}"""));

        Assert.Multiple(() =>
        {
            Assert.That(changed.ChangedConfigs, Is.EqualTo(new[] { new ConfigContext("d", "g", "t") }), "ConfigChangeBatchListenResponse.ConfigContext");
            Assert.That(missing.IsNotFound, Is.True, "ConfigQueryResponse.CONFIG_NOT_FOUND = 300");
            Assert.That(new ConfigQueryRequest().AcceptsErrorCode(300), Is.True, "a missing config is an answer, not an error");
        });
    }

    [Test]
    public void Every_metadata_type_is_a_java_simple_class_name_from_the_nacos_api()
    {
        // The class names of the files under api/src/main/java/com/alibaba/nacos/api/{remote,naming/remote,config/remote}/.
        string[] java =
        [
            "ServerCheckRequest", "ServerCheckResponse", "ConnectionSetupRequest", "SetupAckRequest", "SetupAckResponse",
            "HealthCheckRequest", "HealthCheckResponse", "ClientDetectionRequest", "ClientDetectionResponse", "ConnectResetRequest",
            "ConnectResetResponse", "ErrorResponse", "InstanceRequest", "InstanceResponse", "BatchInstanceRequest", "BatchInstanceResponse",
            "SubscribeServiceRequest", "SubscribeServiceResponse", "NotifySubscriberRequest", "NotifySubscriberResponse",
            "ServiceQueryRequest", "QueryServiceResponse", "ServiceListRequest", "ServiceListResponse", "ConfigQueryRequest",
            "ConfigQueryResponse", "ConfigPublishRequest", "ConfigPublishResponse", "ConfigRemoveRequest", "ConfigRemoveResponse",
            "ConfigBatchListenRequest", "ConfigChangeBatchListenResponse", "ConfigChangeNotifyRequest", "ConfigChangeNotifyResponse",
        ];

        Assert.That(GrpcMessageTypes.Names, Is.EquivalentTo(java));
    }
}
