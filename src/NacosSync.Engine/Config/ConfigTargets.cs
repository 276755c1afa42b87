using Microsoft.Extensions.Logging;
using NacosSync.Core.Config;
using NacosSync.Core.Options;
using NacosSync.Nacos.Config;
using NacosSync.Nacos.Transport;
using NacosSync.Storage.Config;

namespace NacosSync.Engine.Config;

/// <summary>
/// The target of a config task: its database (database mode) or its config API (API mode). Both
/// read digests in <see cref="ConfigKeyComparer"/> order and write one key at a time.
/// </summary>
internal interface IConfigTarget
{
    /// <summary>Whether written rows must be pushed into the nodes' caches (database mode) before they can be verified.</summary>
    bool NeedsCacheRefresh { get; }

    /// <summary>The digests of every listed tenant that <paramref name="keep"/> takes, in <see cref="ConfigKeyComparer"/> order.</summary>
    IAsyncEnumerable<ConfigDigest> ReadDigestsAsync(IReadOnlyCollection<string> tenants, Func<ConfigKey, bool> keep, CancellationToken cancellationToken);

    Task<ConfigDigest?> ReadDigestAsync(ConfigKey key, CancellationToken cancellationToken);

    /// <summary>The digests of several keys (absent keys are missing from the answer).</summary>
    Task<Dictionary<ConfigKey, ConfigDigest>> ReadDigestsAsync(IReadOnlyCollection<ConfigKey> keys, CancellationToken cancellationToken);

    /// <param name="row">The source row, under its target key.</param>
    /// <param name="current">What the target held when diffed (its md5 is the API mode's <c>casMd5</c>).</param>
    /// <param name="publish">Database mode: publish through the config API where a refresh would re-read every row (<see cref="ConfigSyncOptions.PublishUpTo"/>).</param>
    Task<ConfigUpsertResult> UpsertAsync(ConfigRow row, ConfigDigest? current, bool publish, CancellationToken cancellationToken);

    /// <summary>
    /// Writes keys the diff found absent, several per transaction where the target can (database mode); null where it
    /// cannot, and the caller writes them one by one. Distinct keys only.
    /// </summary>
    Task<IReadOnlyList<ConfigWriteResult>?> InsertAbsentAsync(IReadOnlyList<ConfigRow> rows, int concurrency, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ConfigWriteResult>?>(null);

    /// <summary>Deletes; <see cref="ConfigDeleteResult.ThroughApi"/> says whether the server propagated it to every node itself.</summary>
    Task<ConfigDeleteResult> DeleteAsync(ConfigKey key, CancellationToken cancellationToken);
}

internal sealed record ConfigDeleteResult(ConfigWriteResult Result, bool ThroughApi);

/// <summary>An upsert's outcome; <see cref="ThroughApi"/>: published, so the server refreshed its nodes itself (no <c>localCache</c> needed).</summary>
internal sealed record ConfigUpsertResult(ConfigWriteResult Result, bool ThroughApi);

/// <summary>
/// Database mode: rows written like Nacos writes them; deletes go through the target's config API (the server
/// removes the key from every node's cache and writes the <c>D</c> history row). A delete the API refuses or cannot
/// deliver is a failure of that key, retried by the next run: it does not fall back to a database delete, which
/// 2.2.1+ nodes would keep serving (<c>localCache</c> never drops a key) and which would leave the key pending and
/// every node re-read each second.
/// <para>Upserts asked to be published (a small incremental run, <see cref="ConfigSyncOptions.PublishUpTo"/>) go through the
/// config API on a 2.2.1+ target, whose only refresh re-reads every row on every node: the server writes the row and its
/// history and tells each of its nodes to reload that key, as for any client's publish. ≤2.2.0 targets keep the database
/// write (their <c>dataChange</c> refreshes one key), as do rows with an encrypted data key (the database check of the
/// column stays the judge). A publish the API refuses or cannot deliver falls back to the database write.</para>
/// </summary>
internal sealed partial class DatabaseConfigTarget(ConfigRowStore rows, ConfigRowWriter writer, NacosConfigClient api, ILogger? logger = null, bool deleteThroughApi = true)
    : IConfigTarget
{
    private int _publishFailures;

    public bool NeedsCacheRefresh => true;

    public IAsyncEnumerable<ConfigDigest> ReadDigestsAsync(IReadOnlyCollection<string> tenants, Func<ConfigKey, bool> keep, CancellationToken cancellationToken) =>
        rows.ReadDigestsAsync(tenants, keep, cancellationToken);

    public Task<ConfigDigest?> ReadDigestAsync(ConfigKey key, CancellationToken cancellationToken) => rows.ReadDigestAsync(key, cancellationToken);

    public async Task<Dictionary<ConfigKey, ConfigDigest>> ReadDigestsAsync(IReadOnlyCollection<ConfigKey> keys, CancellationToken cancellationToken) =>
        (await rows.ReadRowsAsync(keys, cancellationToken)).ToDictionary(r => r.Key, r => r.Value.Digest);

    public async Task<ConfigUpsertResult> UpsertAsync(ConfigRow row, ConfigDigest? current, bool publish, CancellationToken cancellationToken)
    {
        if (publish && row.Attributes.EncryptedDataKey.Length == 0 && !(await api.Transport.GetServerVersionAsync(cancellationToken)).HasDataChange)
        {
            try
            {
                // No casMd5: the database write it replaces is unconditional too (ownership was judged before).
                await api.PublishAsync(row, casMd5: null, cancellationToken);
                return new ConfigUpsertResult(new ConfigWriteResult(row.Key, current is null ? ConfigWriteOutcome.Inserted : ConfigWriteOutcome.Updated), ThroughApi: true);
            }
            catch (NacosException ex)
            {
                if (Interlocked.Increment(ref _publishFailures) == 1 && logger is not null)
                {
                    LogPublishFellBack(logger, row.Key, ex.Message);
                }
            }
        }

        return new ConfigUpsertResult(await writer.UpsertAsync(row, cancellationToken), ThroughApi: false);
    }

    public async Task<IReadOnlyList<ConfigWriteResult>?> InsertAbsentAsync(IReadOnlyList<ConfigRow> rows, int concurrency, CancellationToken cancellationToken) =>
        await writer.InsertAbsentAsync(rows, concurrency, cancellationToken);

    [LoggerMessage(EventId = 5021, Level = LogLevel.Warning,
        Message = "Publishing {Key} through the target's config API failed ({Error}); written to the target database instead, with a cache refresh of every node. Said once per run; give the target login write permission, or set Config:PublishUpTo to 0")]
    private static partial void LogPublishFellBack(ILogger logger, ConfigKey key, string error);

    public async Task<ConfigDeleteResult> DeleteAsync(ConfigKey key, CancellationToken cancellationToken)
    {
        if (!deleteThroughApi)
        {
            // Tests only: the database path (a D history row; <=2.2.0 nodes drop the key on dataChange).
            return new ConfigDeleteResult(await writer.DeleteAsync(key, cancellationToken), ThroughApi: false);
        }

        try
        {
            await api.DeleteAsync(key, cancellationToken);
            return new ConfigDeleteResult(new ConfigWriteResult(key, ConfigWriteOutcome.Deleted), ThroughApi: true);
        }
        catch (NacosException ex)
        {
            return new ConfigDeleteResult(new ConfigWriteResult(key, ConfigWriteOutcome.Failed, "the target's config API did not delete it: " + ex.Message), ThroughApi: true);
        }
    }
}

/// <summary>
/// API mode, for targets whose database cannot be reached: digests from the search API (a tenant at
/// a time, sorted here), writes by publish (<c>casMd5</c> = the md5 read, so a concurrent edit in
/// the target is not overwritten) and delete.
/// </summary>
internal sealed class ApiConfigTarget(NacosConfigClient api) : IConfigTarget
{
    private const int SearchPageSize = 500;

    public bool NeedsCacheRefresh => false;

    /// <summary>
    /// The search API answers a tenant at a time in no particular order, so the diff's key order is made here: pages are
    /// streamed and each config is reduced to its digest (key, md5, type) as it arrives, so memory holds digests, never
    /// contents. A listing that stops short of its <c>totalCount</c> throws (<see cref="ConfigPartialReadException"/>):
    /// the run counts it as a failed read, which blocks deletions.
    /// </summary>
    public async IAsyncEnumerable<ConfigDigest> ReadDigestsAsync(IReadOnlyCollection<string> tenants, Func<ConfigKey, bool> keep,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var digests = new List<ConfigDigest>();
        foreach (var tenant in tenants)
        {
            var seen = new HashSet<ConfigKey>();
            await foreach (var c in api.SearchTenantAsync(tenant, SearchPageSize, cancellationToken))
            {
                if (!seen.Add(c.Key))
                {
                    // The search has no ORDER BY: a key seen twice means the pages shifted, and some other key may have been skipped.
                    throw new ConfigPartialReadException($"config search of tenant '{tenant}' returned {c.Key} twice: the listing changed while it was paged");
                }

                if (keep(c.Key))
                {
                    digests.Add(new ConfigDigest(c.Key, ConfigMd5.Of(c.Content), ApiAttributes(c.Type)));
                }
            }
        }

        digests.Sort((a, b) => ConfigKeyComparer.Instance.Compare(a.Key, b.Key));
        foreach (var digest in digests)
        {
            yield return digest;
        }
    }

    public async Task<ConfigDigest?> ReadDigestAsync(ConfigKey key, CancellationToken cancellationToken)
    {
        var served = await api.GetAsync(key, cancellationToken);
        return served is null ? null : new ConfigDigest(key, ConfigMd5.Of(served.Content), ApiAttributes(served.Type ?? ""));
    }

    public async Task<Dictionary<ConfigKey, ConfigDigest>> ReadDigestsAsync(IReadOnlyCollection<ConfigKey> keys, CancellationToken cancellationToken)
    {
        // One read per key (the API has no batch read): several at once, as the writer writes.
        var read = new System.Collections.Concurrent.ConcurrentDictionary<ConfigKey, ConfigDigest>();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = ConfigUpsertWriter.WriteConcurrency, CancellationToken = cancellationToken },
            async (key, ct) =>
            {
                if (await ReadDigestAsync(key, ct) is { } digest)
                {
                    read[key] = digest;
                }
            });
        return new Dictionary<ConfigKey, ConfigDigest>(read);
    }

    public async Task<ConfigUpsertResult> UpsertAsync(ConfigRow row, ConfigDigest? current, bool publish, CancellationToken cancellationToken)
    {
        try
        {
            await api.PublishAsync(row, current?.Md5, cancellationToken);
            return new ConfigUpsertResult(new ConfigWriteResult(row.Key, current is null ? ConfigWriteOutcome.Inserted : ConfigWriteOutcome.Updated), ThroughApi: true);
        }
        catch (ConfigCasConflictException ex)
        {
            return new ConfigUpsertResult(new ConfigWriteResult(row.Key, ConfigWriteOutcome.Failed, ex.Message), ThroughApi: true);
        }
        catch (NacosRejectedException ex) when (!ex.IsServerError)
        {
            return new ConfigUpsertResult(new ConfigWriteResult(row.Key, ConfigWriteOutcome.NotStorable, ex.ServerMessage), ThroughApi: true);
        }
    }

    public async Task<ConfigDeleteResult> DeleteAsync(ConfigKey key, CancellationToken cancellationToken)
    {
        await api.DeleteAsync(key, cancellationToken);
        return new ConfigDeleteResult(new ConfigWriteResult(key, ConfigWriteOutcome.Deleted), ThroughApi: true);
    }

    /// <summary>
    /// A node's read answers content and type only (not appName, desc, tags or the encrypted data key),
    /// so API mode compares content and type; an empty type counts as <c>text</c>, what Nacos stores.
    /// The source digest is trimmed the same way (<see cref="ForApi"/>).
    /// </summary>
    public static ConfigAttributes ApiAttributes(string type) => new(type.Length == 0 ? "text" : type, "", "", "", "");

    public static ConfigDigest ForApi(ConfigDigest source) => source with { Attributes = ApiAttributes(source.Attributes.Type) };
}
