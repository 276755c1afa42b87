namespace NacosSync.Sandbox.Naming;

/// <summary>
/// Whether Nacos would push to a subscriber, judged from its agent as <c>UdpPushService.canEnablePush</c>
/// does (reference §2): the agent is the <c>Client-Version</c> header, or <c>User-Agent</c> when that is
/// empty (<c>WebUtils.getUserAgent</c>); it must name a known client type at its minimum version
/// (Java and Go 0.1.0, C and C++ 1.0.12, C# 0.9.0, DNS 0.4.3). Any other agent, or none, is answered
/// by the list call but subscribed to nothing.
/// </summary>
internal static class PushClientAgent
{
    private static readonly (string Prefix, (int, int, int) Minimum)[] Known =
    [
        ("Nacos-Java-Client:v", (0, 1, 0)),
        ("Nacos-Go-Client:v", (0, 1, 0)),
        ("Nacos-C-Client:v", (1, 0, 12)),
        ("Nacos-CPP-Client:v", (1, 0, 12)),
        ("Nacos-CSharp-Client:v", (0, 9, 0)),
        ("Nacos-DNS:v", (0, 4, 3)),
    ];

    public static string Of(string? clientVersion, string? userAgent) =>
        !string.IsNullOrEmpty(clientVersion) ? clientVersion : userAgent ?? "";

    public static bool CanEnablePush(string agent)
    {
        foreach (var (prefix, minimum) in Known)
        {
            if (agent.StartsWith(prefix, StringComparison.Ordinal))
            {
                return Parse(agent[prefix.Length..]).CompareTo(minimum) >= 0;
            }
        }

        return false;
    }

    /// <summary>Major, minor, patch as a Jackson-style version parse reads them: leading digits of each part, missing parts 0.</summary>
    private static (int, int, int) Parse(string version)
    {
        var parts = version.Split(['.', '-', '_', '/', ';', ':']);
        return (Part(0), Part(1), Part(2));

        int Part(int i)
        {
            if (i >= parts.Length)
            {
                return 0;
            }

            var digits = new string([.. parts[i].TakeWhile(char.IsAsciiDigit)]);
            return digits.Length > 0 && int.TryParse(digits, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;
        }
    }
}
