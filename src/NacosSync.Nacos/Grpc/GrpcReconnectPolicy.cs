namespace NacosSync.Nacos.Grpc;

/// <summary>
/// Where and when to try after a connection is lost, as <c>RpcClient.reconnect</c> does: the nodes in
/// turn, starting with the one after the lost node (failover), a pause after each failed attempt of
/// <c>step × (round + 1)</c> capped at <c>max</c> (100 ms in the first round over the nodes, 200 ms in
/// the second, ..., 5 s), so a dead cluster is probed ever more slowly and a live node is found at once.
/// </summary>
internal sealed class GrpcReconnectPolicy(int serverCount, TimeSpan step, TimeSpan max)
{
    /// <summary>The node of attempt <paramref name="attempt"/> (0-based) when <paramref name="lost"/> was lost (−1: none yet).</summary>
    public int NodeFor(int attempt, int lost) => (int)(((long)lost + 1 + attempt) % serverCount + serverCount) % serverCount;

    /// <summary>The pause after failed attempt <paramref name="attempt"/> (0-based).</summary>
    public TimeSpan DelayAfter(int attempt)
    {
        var round = attempt / serverCount;
        var delay = step * Math.Min(round + 1, 1000);
        return delay < max ? delay : max;
    }
}
