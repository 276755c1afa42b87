using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace NacosSync.Nacos.Transport;

/// <summary>
/// The server version of one cluster: read from <c>GET /v3/admin/core/state</c> (3.x), or from
/// <c>GET /v1/console/server/state</c> where that is 404 (1.4, 2.x) (reference §1, §8); trusted for <see cref="Ttl"/>, and read again sooner once the cluster
/// was unreachable (<see cref="Forget"/>). One read at a time. Nothing is ever assumed: a read that
/// fails raises <see cref="NacosVersionUnknownException"/> and is not remembered.
/// </summary>
internal sealed partial class NacosServerVersionCache : IDisposable
{
    /// <summary>
    /// How long a version read is trusted: 5 minutes. A cluster upgraded under a running daemon is
    /// seen within that (or at once, if the upgrade made it unreachable for a moment).
    /// </summary>
    public static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);

    private const string V1StatePath = "/v1/console/server/state";
    private const string V3StatePath = "/v3/admin/core/state";

    private readonly SemaphoreSlim _readLock = new(1, 1);
    private Known? _known;
    private NacosServerVersion? _lastRead;

    /// <summary>The version, read again when the last read is older than <see cref="Ttl"/> or was forgotten.</summary>
    /// <exception cref="NacosVersionUnknownException">The version cannot be read; the message names the cluster.</exception>
    public async Task<NacosServerVersion> GetAsync(NacosTransport transport, TimeProvider timeProvider, ILogger logger, CancellationToken cancellationToken)
    {
        if (Fresh(timeProvider) is { } known)
        {
            return known;
        }

        await _readLock.WaitAsync(cancellationToken);
        try
        {
            if (Fresh(timeProvider) is { } readMeanwhile)
            {
                return readMeanwhile;
            }

            var version = await ReadAsync(transport, cancellationToken);
            Volatile.Write(ref _known, new Known(version, timeProvider.GetTimestamp()));
            if (_lastRead?.Text != version.Text)
            {
                LogVersion(logger, transport.Name, version.Text, _lastRead?.Text ?? "none");
                Volatile.Write(ref _lastRead, version);
            }

            return version;
        }
        finally
        {
            _readLock.Release();
        }
    }

    /// <summary>Reads the version again at the next call: the cluster was unreachable and may have come back upgraded.</summary>
    public void Forget() => Volatile.Write(ref _known, null);

    /// <summary>The last version read, fresh or not, without reading; null before the first read. For error messages only.</summary>
    public NacosServerVersion? LastRead => Volatile.Read(ref _lastRead);

    public void Dispose() => _readLock.Dispose();

    private NacosServerVersion? Fresh(TimeProvider timeProvider) =>
        Volatile.Read(ref _known) is { } known && timeProvider.GetElapsedTime(known.ReadAt) < Ttl ? known.Version : null;

    /// <summary>
    /// <c>GET /v3/admin/core/state</c> first: 3.x answers it without auth (<c>core/.../controller/v3/ServerStateController.java</c>
    /// has no <c>@Secured</c>, 3.0.3 and later) as <c>Result {data: {version, ...}}</c>, and 3.2+ has no other.
    /// 1.4 and 2.x have no such controller (404): then <c>GET /v1/console/server/state</c>.
    /// </summary>
    private static async Task<NacosServerVersion> ReadAsync(NacosTransport transport, CancellationToken cancellationToken)
    {
        string v3Why;
        try
        {
            var response = await transport.SendAsync(NacosRequest.Get(V3StatePath) with { WithoutLogin = true }, cancellationToken);
            if (VersionIn(transport, response.Body, V3StatePath) is { } version)
            {
                return version;
            }

            v3Why = $"answered without a version: {NacosAnswers.Truncate(response.Body)}";
        }
        catch (NacosException ex) when (ex is NacosRejectedException or NacosUnauthorizedException or NacosMalformedResponseException)
        {
            v3Why = ex.Message;
        }
        catch (NacosException ex) when (ex is not NacosVersionUnknownException)
        {
            throw Unknown(transport, $"{V3StatePath} failed: {ex.Message}", ex);
        }

        return await ReadV1Async(transport, v3Why, cancellationToken);
    }

    private static async Task<NacosServerVersion> ReadV1Async(NacosTransport transport, string v3Why, CancellationToken cancellationToken)
    {
        try
        {
            var response = await transport.SendAsync(NacosRequest.Get(V1StatePath) with { WithoutLogin = true }, cancellationToken);
            return VersionIn(transport, response.Body, V1StatePath)
                ?? throw Unknown(transport, $"{V1StatePath} answered without a version: {NacosAnswers.Truncate(response.Body)}");
        }
        catch (NacosRejectedException ex) when (ex.StatusCode == 410)
        {
            // Only 3.0/3.1 answer 410 for the v1 console (their compatibility filter): that is proof of the 3.x line.
            return new NacosServerVersion(3, 0, 0, "3.0 (v1 console answers 410; exact version unread)");
        }
        catch (NacosRejectedException ex) when (ex.StatusCode == 404)
        {
            // A 404 from both proves nothing (a wrong ContextPath answers 404 everywhere).
            throw Unknown(transport, $"{V3StatePath} {v3Why}, and {V1StatePath} answered 404; check Clusters:{transport.Name}:ContextPath", ex);
        }
        catch (NacosException ex) when (ex is not NacosVersionUnknownException)
        {
            throw Unknown(transport, $"{V3StatePath} {v3Why}, and {V1StatePath} failed: {ex.Message}", ex);
        }
    }

    private static NacosServerVersion? VersionIn(NacosTransport transport, string body, string path)
    {
        using var document = NacosAnswers.ParseJson(body, $"{transport.Name}: {path}");
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object)
        {
            root = data;
        }

        return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.String
            && NacosServerVersion.TryParse(v.GetString(), out var version)
            ? version
            : null;
    }

    private static NacosVersionUnknownException Unknown(NacosTransport transport, string detail, Exception? inner = null) =>
        new(transport.Name, $"cluster '{transport.Name}': cannot read the server version ({detail}); the run stops rather than guess the API and the public namespace", inner);

    private sealed record Known(NacosServerVersion Version, long ReadAt);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Nacos cluster {Cluster}: server version {Version} (before: {Previous})")]
    private static partial void LogVersion(ILogger logger, string cluster, string version, string previous);
}
