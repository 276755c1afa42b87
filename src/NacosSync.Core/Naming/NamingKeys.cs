namespace NacosSync.Core.Naming;

/// <summary>A service: namespace id (<c>public</c> for the public namespace), group and name (without <c>group@@</c>).</summary>
internal readonly record struct ServiceKey(string Namespace, string Group, string Service)
{
    /// <summary>The name Nacos shows: <c>GROUP@@service</c>.</summary>
    public string GroupedName => Group + "@@" + Service;

    public override string ToString() => $"{Namespace}/{Group}@@{Service}";

    /// <summary>Reads <see cref="ToString"/>'s form back (the key of a service's rows in the run-state store).</summary>
    public static bool TryParse(string text, out ServiceKey service)
    {
        ArgumentNullException.ThrowIfNull(text);
        service = default;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var at = slash < 0 ? -1 : text.IndexOf("@@", slash + 1, StringComparison.Ordinal);
        if (at < 0)
        {
            return false;
        }

        service = new ServiceKey(text[..slash], text[(slash + 1)..at], text[(at + 2)..]);
        return true;
    }
}

/// <summary>
/// The identity of an instance: service, cluster, ip, port. Within one service Nacos itself keys
/// instances by ip:port (registering in another cluster moves the instance), so the diff matches
/// on <see cref="Address"/> and treats a cluster change as an update.
/// </summary>
internal readonly record struct InstanceKey(ServiceKey Service, string Cluster, string Ip, int Port)
{
    public InstanceAddress Address => new(Service, Ip, Port);

    public override string ToString() => $"{Service} {Cluster} {Ip}:{Port}";
}

/// <summary>Where Nacos keys an instance within a service: ip and port.</summary>
internal readonly record struct InstanceAddress(ServiceKey Service, string Ip, int Port)
{
    /// <summary>A stable text form, the key of this address's rows in the run-state store.</summary>
    public string Id => $"{Service} {Ip}:{Port}";

    public override string ToString() => Id;
}
