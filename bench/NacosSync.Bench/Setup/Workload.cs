namespace NacosSync.Bench.Setup;

/// <summary>
/// The shape of the registry a run seeds. S = 1,000 services × 10 instances + 5,000 configs; L = 10,000 services × 10
/// (100,000 instances) + 50,000 configs; both of ~2 KB configs over 5 namespaces (public and ns-1 … ns-4).
/// </summary>
internal sealed record Workload(string Name, int Services, int InstancesPerService, int Configs, int ConfigBytes, int Namespaces)
{
    public static Workload S { get; } = new("S", 1_000, 10, 5_000, 2_048, 5);

    public static Workload L { get; } = new("L", 10_000, 10, 50_000, 2_048, 5);

    public int Instances => Services * InstancesPerService;

    public static Workload? Parse(string name) => name.ToUpperInvariant() switch
    {
        "S" => S,
        "L" => L,
        _ => null,
    };

    /// <summary>The naming namespace id of index <paramref name="i"/> (0 is public).</summary>
    public static string NamingNamespace(int i) => i == 0 ? "public" : $"ns-{i}";

    /// <summary>The config tenant of index <paramref name="i"/> (public is the empty tenant in the 2.x tables).</summary>
    public static string ConfigTenant(int i) => i == 0 ? "" : $"ns-{i}";

    /// <summary>Service <paramref name="s"/> lives in namespace s mod Namespaces.</summary>
    public string ServiceNamespace(int s) => NamingNamespace(s % Namespaces);

    public static string ServiceName(int s) => $"svc-{s:D5}";

    /// <summary>A distinct loopback-free address per instance: 10.x.y.(i+1).</summary>
    public static string InstanceIp(int s, int i) => $"10.{s / 250 % 250}.{s % 250}.{i + 1}";

    /// <summary>Port 8000 + s / 62,500 keeps ip:port unique beyond 62,500 services.</summary>
    public static int InstancePort(int s) => 8080 + (s / 62_500);

    public string ConfigTenantOf(int c) => ConfigTenant(c % Namespaces);

    public static string ConfigDataId(int c) => $"service-{c:D6}.yaml";

    public static string ConfigGroup(int c) => $"GROUP_{c % 20:D2}";
}
