using NacosSync.Core.Config;
using NacosSync.Nacos.Transport;

namespace NacosSync.Nacos.Config;

/// <summary>A config as one node serves it: content and the md5 of that content.</summary>
internal sealed record ServedConfig(string Content, string Md5, string? Type);

/// <summary>An entry of the config search API.</summary>
internal sealed record SearchedConfig(ConfigKey Key, string Content, string AppName, string Type);

/// <summary>A listing stopped before its <c>totalCount</c>: what was read is not the whole, and must not drive deletions.</summary>
internal sealed class ConfigPartialReadException(string message) : NacosException(message);

/// <summary>A publish with <c>casMd5</c> found another md5 on the server: someone edited the config meanwhile.</summary>
internal sealed class ConfigCasConflictException(string message) : Exception(message);
