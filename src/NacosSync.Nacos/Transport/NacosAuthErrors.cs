namespace NacosSync.Nacos.Transport;

/// <summary>
/// The error for a request the cluster refused (401/403) even after a fresh login: it names the
/// cluster, the Nacos line, the kind of API and the configuration keys that would let it through
/// (3.x auth as shipped, reference §8: admin APIs need an admin's token or the server identity, the
/// refresh endpoints the identity or an admin, and on 3.3 client APIs need a token too).
/// </summary>
internal static class NacosAuthErrors
{
    public static NacosUnauthorizedException Refused(NacosTransportOptions options, NacosServerVersion? version, NacosRequest request, NacosUnauthorizedException refusal)
    {
        var cluster = $"Clusters:{options.Name}";
        var nacos = version is null ? "the Nacos server" : $"Nacos {version.Text}";
        var hasUser = !string.IsNullOrEmpty(options.Username);
        var hasIdentity = !string.IsNullOrEmpty(options.IdentityKey) && !string.IsNullOrEmpty(options.IdentityValue);
        var server = string.IsNullOrEmpty(refusal.ServerMessage) ? $"{refusal.StatusCode}" : $"{refusal.StatusCode}: {refusal.ServerMessage}";
        // Why the server asks, where the line explains it (reference §8); otherwise an operator switched auth on.
        var why = request.Kind switch
        {
            NacosApiKind.Client when version?.ClientApisSecuredByDefault == true => "; client-API auth is on by default since 3.3",
            NacosApiKind.Admin or NacosApiKind.Refresh when version?.AdminApisSecuredByDefault == true => "; 3.x ships admin auth on and no default user",
            _ => "",
        };
        var message = (request.Kind, hasUser, hasIdentity) switch
        {
            (NacosApiKind.Client, false, _) =>
                $"{cluster}: {nacos} requires a token for client APIs ({request}): set {cluster}:Username and Password (server said {server}{why})",
            (NacosApiKind.Admin, false, false) =>
                $"{cluster}: {nacos} requires an admin user's token for admin APIs ({request}): set {cluster}:Username and Password of a user with ROLE_ADMIN, "
                + $"or {cluster}:IdentityKey and IdentityValue (the server's nacos.core.auth.server.identity.key/value) (server said {server}{why})",
            (NacosApiKind.Refresh, false, false) =>
                $"{cluster}: {nacos} requires the server identity or an admin user's token for {request}: set {cluster}:IdentityKey and IdentityValue "
                + $"(the server's nacos.core.auth.server.identity.key/value), or Username and Password of a user with ROLE_ADMIN (server said {server}{why})",
            (NacosApiKind.Client, true, _) =>
                $"{cluster}: {nacos} refused {request} to user '{options.Username}' (server said {server}): grant that user access to the namespace, or check {cluster}:Username",
            (_, true, _) =>
                $"{cluster}: {nacos} refused {request} to user '{options.Username}' (server said {server}): admin APIs need a user with ROLE_ADMIN, "
                + $"or set {cluster}:IdentityKey and IdentityValue to the server's identity",
            _ =>
                $"{cluster}: {nacos} refused {request} with the configured server identity (server said {server}): check {cluster}:IdentityKey and IdentityValue "
                + $"against the server's nacos.core.auth.server.identity.key/value, or set Username and Password of a user with ROLE_ADMIN",
        };
        return new NacosUnauthorizedException(message, refusal.StatusCode, refusal) { ServerMessage = refusal.ServerMessage };
    }
}
