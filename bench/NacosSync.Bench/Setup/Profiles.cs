using NacosSync.Sandbox;

namespace NacosSync.Bench.Setup;

/// <summary>
/// The sandbox profiles the harness can drive: the 2.x lines. The harness seeds and probes through the v1
/// open API, which 3.x gates (ApiCompatibilityFilter) and 1.4 lacks gRPC for; those pairs need probes of their own.
/// </summary>
internal static class Profiles
{
    public static readonly IReadOnlyList<string> Known = ["2.2.0", "2.4", "2.5"];

    public static NacosVersionProfile Of(string name) => name switch
    {
        "2.2.0" => NacosVersionProfile.V2_2_0,
        "2.4" => NacosVersionProfile.V2_4,
        "2.5" => NacosVersionProfile.V2_5,
        _ => throw new ArgumentException($"profile '{name}' is not one of {string.Join(", ", Known)}"),
    };
}
