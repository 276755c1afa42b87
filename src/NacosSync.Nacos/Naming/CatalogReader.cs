using System.Text.Json;
using NacosSync.Nacos.Transport;

namespace NacosSync.Nacos.Naming;

/// <summary>
/// Reads a service listing (the v1 catalog, the v3 admin service list) as one big page, parsed as it
/// streams in (<see cref="JsonItemStream"/>): one service at a time is held as JSON, never the page.
/// Paging is unsafe here (reference §2: while services change pages shift, and the v1 catalog repeats
/// the whole list on every page when it is shorter than the page), so a page that could be partial fails.
/// </summary>
internal static class CatalogReader
{
    /// <summary>Asked as one big page (reference §2).</summary>
    public const int BigPage = 100_000;

    /// <summary>Where v1 answers keep the list: a root array (2.x <c>withInstances</c>), <c>serviceList</c>, or inside a v2 wrapper.</summary>
    public static readonly IReadOnlyCollection<string> V1Paths = ["", "serviceList", "data", "data/serviceList"];

    /// <summary>v3: <c>Result {data: Page {totalCount, pageNumber, pagesAvailable, pageItems}}</c> (<c>api/.../model/Page.java</c>).</summary>
    public static readonly IReadOnlyCollection<string> V3Paths = ["data/pageItems"];

    /// <param name="v3">A v3 <c>Result</c>: its code must be 0. On every line the page must hold all of <c>count</c>/<c>totalCount</c>.</param>
    public static Task<List<T>> ReadAsync<T>(NacosTransport transport, NacosRequest request, bool v3, Func<JsonElement, T> select, string scope, CancellationToken cancellationToken) =>
        transport.SendStreamingAsync(request, async (stream, ct) =>
        {
            var items = new List<T>();
            var summary = await JsonItemStream.ReadAsync(stream, v3 ? V3Paths : V1Paths, item => items.Add(select(item)), ct);
            var what = $"{transport.Name}: {request.Path}";
            if (v3 && summary.Code is { } code && code != NacosAnswers.Success)
            {
                throw new NacosRejectedException($"{what} answered code {code}: {summary.Message}", 200, summary.Message ?? "");
            }

            if (!summary.FoundItems)
            {
                // An empty v3 page may omit nothing but is still a page; a missing list is not an empty registry.
                throw NamingJson.Malformed(what, $"{scope}: no service list in the answer");
            }

            if (summary.Items >= BigPage)
            {
                throw NamingJson.Malformed(what, $"{scope} holds {BigPage} or more services; a one-page read would be partial");
            }

            if (summary.Count is { } total && summary.Items < total)
            {
                throw NamingJson.Malformed(what, $"{scope}: {summary.Items} of {total} services in one page; the read would be partial");
            }

            return items;
        }, cancellationToken);
}
