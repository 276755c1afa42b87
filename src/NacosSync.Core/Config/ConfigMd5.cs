using System.Security.Cryptography;
using System.Text;

namespace NacosSync.Core.Config;

/// <summary>The md5 Nacos keeps with every config: lowercase hex MD5 of the content's UTF-8 bytes.</summary>
public static class ConfigMd5
{
    public static string Of(string content)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
#pragma warning disable CA5351 // MD5 is Nacos's content fingerprint, not a security measure.
        var hash = MD5.HashData(bytes);
#pragma warning restore CA5351
        return Convert.ToHexStringLower(hash);
    }
}
