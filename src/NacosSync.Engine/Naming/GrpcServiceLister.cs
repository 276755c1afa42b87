using NacosSync.Core.Naming;
using NacosSync.Nacos.Grpc;
using NacosSync.Nacos.Grpc.Messages;

namespace NacosSync.Engine.Naming;

/// <summary>
/// Service names over gRPC: <c>ServiceListRequest</c> pages per namespace and group. Nacos's
/// ServiceListRequestHandler answers the services of exactly <c>groupName</c> (<c>Objects.equals</c> against each
/// service's group: one group per request, no "all groups"), names without the group
/// (<c>ServiceUtil.pageServiceName</c> strips <c>GROUP@@</c>), paged over a set built anew for each request, so
/// pages of a set that changed in between can overlap or miss names: the total must add up.
/// </summary>
internal static class GrpcServiceLister
{
    /// <summary>Adds every service of <paramref name="groups"/> in <paramref name="namespaceId"/> to <paramref name="into"/>; false when a group's pages did not add up to its count.</summary>
    public static async Task<bool> ListAsync(NacosGrpcConnection connection, string namespaceId, IEnumerable<string> groups, ISet<ServiceKey> into, int pageSize,
        CancellationToken cancellationToken)
    {
        var complete = true;
        foreach (var group in groups)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            int? count = null;
            for (var page = 1; ; page++)
            {
                var answer = await connection.RequestAsync<ServiceListResponse>(new ServiceListRequest
                {
                    Namespace = namespaceId,
                    GroupName = group,
                    ServiceName = "",
                    PageNo = page,
                    PageSize = pageSize,
                }, cancellationToken);
                complete &= count is null || count == answer.Count;
                count ??= answer.Count;
                names.UnionWith(answer.ServiceNames);
                if (answer.ServiceNames.Count < pageSize || names.Count >= answer.Count)
                {
                    break;
                }
            }

            complete &= names.Count == count;
            foreach (var name in names)
            {
                into.Add(new ServiceKey(namespaceId, group, name));
            }
        }

        return complete;
    }
}
