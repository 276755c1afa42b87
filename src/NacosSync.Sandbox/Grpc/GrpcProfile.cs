namespace NacosSync.Sandbox.Grpc;

/// <summary>
/// What the gRPC server does differently per version line, derived from the profile's server version
/// so that new profiles need no entry here (reference §1, §9).
/// </summary>
internal sealed record GrpcProfile(bool Serves, bool SetupAck, bool BatchRegister, bool AuthResultFormat)
{
    public static GrpcProfile For(NacosProfileTraits traits)
    {
        var version = Version.Parse(traits.Version.Split('-')[0]);
        return new GrpcProfile(
            // gRPC arrived with 2.0; 1.4 is HTTP only.
            Serves: version.Major >= 2,
            // 2.3 added ability negotiation: SetupAckRequest after a set-up that carries an ability table.
            SetupAck: version >= new Version(2, 3),
            // BatchInstanceRequest (batchRegisterInstance) exists from 2.1.1 (reference §9).
            BatchRegister: version >= new Version(2, 1, 1),
            // 3.x NacosAuthPluginService.validateIdentity returns AuthResult: "Code: 401, Message: <msg>."
            // (plugin/auth/.../AuthResult.java MESSAGE_FORMAT); 2.x throws the bare AccessException message.
            AuthResultFormat: version.Major >= 3);
    }
}
