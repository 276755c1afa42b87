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

    public bool IsRead => Method == HttpMethod.Get;

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
