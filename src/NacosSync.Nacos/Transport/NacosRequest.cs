using System.Net;

namespace NacosSync.Nacos.Transport;

/// <summary>
/// One HTTP call to Nacos. <see cref="Path"/> is relative to the context path (<c>/v1/ns/instance</c>).
/// Parameters go in the query for GET and DELETE, form-encoded in the body otherwise.
/// </summary>
/// <param name="Idempotent">Whether repeating the request is harmless; only idempotent writes are retried.</param>
internal sealed record NacosRequest(HttpMethod Method, string Path, IReadOnlyList<KeyValuePair<string, string>> Parameters, bool Idempotent = true)
{
    /// <summary>Extra request headers (config listener's <c>Long-Pulling-Timeout</c>, <c>casMd5</c>, ...).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Overrides the cluster's per-request timeout (long polls).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// Sent without logging in first (a token already held still goes along): the server-state reads that tell which
    /// login path the cluster has (they need no auth on any line: reference §8, 3.x <c>ServerStateController</c> has no <c>@Secured</c>).
    /// </summary>
    public bool WithoutLogin { get; init; }

    public bool IsRead => Method == HttpMethod.Get;

    /// <summary>What kind of API the path belongs to, for the error that names a missing credential.</summary>
    public NacosApiKind Kind => NacosApiKinds.Of(Path);

    public static NacosRequest Get(string path, params KeyValuePair<string, string>[] parameters) => new(HttpMethod.Get, path, parameters);

    public static NacosRequest Post(string path, bool idempotent, params KeyValuePair<string, string>[] parameters) => new(HttpMethod.Post, path, parameters, idempotent);

    public static NacosRequest Put(string path, bool idempotent, params KeyValuePair<string, string>[] parameters) => new(HttpMethod.Put, path, parameters, idempotent);

    public static NacosRequest Delete(string path, bool idempotent, params KeyValuePair<string, string>[] parameters) => new(HttpMethod.Delete, path, parameters, idempotent);

    public override string ToString() => $"{Method} {Path}";
}

/// <summary>A 2xx answer: its body as text, the node that answered and its headers.</summary>
internal sealed record NacosResponse(HttpStatusCode StatusCode, string Body, Uri Node, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>The kinds of Nacos API a secured 3.x server tells apart (reference §8, <c>@Secured(apiType = ...)</c>).</summary>
internal enum NacosApiKind
{
    /// <summary>Client APIs (<c>/v1/ns/instance</c>, <c>/v1/cs/configs</c>, <c>/v3/client/...</c>): open on 3.0–3.2 by default, token needed on 3.3.</summary>
    Client,

    /// <summary>Admin and console APIs (<c>/v3/admin/...</c>, the v1 console and core paths): an admin user's token or the server identity.</summary>
    Admin,

    /// <summary>The cache refresh endpoints (<c>localCache</c>, <c>dataChange</c>): the server identity, or an admin token.</summary>
    Refresh,
}

internal static class NacosApiKinds
{
    public static NacosApiKind Of(string path) =>
        path.Contains("/ops/localCache", StringComparison.Ordinal) || path.Contains("/communication/dataChange", StringComparison.Ordinal) ? NacosApiKind.Refresh
        : path.StartsWith("/v3/admin/", StringComparison.Ordinal) || path.StartsWith("/v1/console/", StringComparison.Ordinal)
          || path.StartsWith("/v1/core/", StringComparison.Ordinal) || path.StartsWith("/v1/ns/catalog/", StringComparison.Ordinal) ? NacosApiKind.Admin
        : NacosApiKind.Client;
}
