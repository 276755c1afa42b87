using Google.Protobuf;
using Grpc.Core;

namespace NacosSync.Nacos.Protocol;

/// <summary>
/// The two Nacos gRPC methods, declared by hand: Grpc.Tools' generated client does not compile for
/// an rpc named <c>request</c> (it clashes with the parameter name), reference §9.
/// </summary>
public static class NacosGrpcMethods
{
    private static readonly Marshaller<Payload> PayloadMarshaller = Marshallers.Create(
        static payload => payload.ToByteArray(),
        static bytes => Payload.Parser.ParseFrom(bytes));

    /// <summary>Unary <c>/Request/request</c>: every request/response pair that is not a push.</summary>
    public static readonly Method<Payload, Payload> Request = new(
        MethodType.Unary, "Request", "request", PayloadMarshaller, PayloadMarshaller);

    /// <summary>Bidirectional <c>/BiRequestStream/requestBiStream</c>: connection setup, server pushes and their answers.</summary>
    public static readonly Method<Payload, Payload> BiRequestStream = new(
        MethodType.DuplexStreaming, "BiRequestStream", "requestBiStream", PayloadMarshaller, PayloadMarshaller);
}
