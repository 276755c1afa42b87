using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NacosSync.Core.Auth;
using NacosSync.Core.Config;
using NacosSync.Core.Options;
using NacosSync.Core.State;
using NacosSync.Core.Sync;
using NacosSync.Engine.Clusters;
using NacosSync.Nacos.Auth;
using NacosSync.Nacos.Transport;
using NacosSync.Storage.Auth;

namespace NacosSync.Engine.Auth;

/// <summary>
/// Users, role bindings and permissions, table to table through both Nacos databases, or through a side's auth API where
/// it has no database (API mode: roles and permissions only; the users it cannot copy are named) (docs/auth.md). One run, in the
/// order of the house loop: refuse → load state (what the task created, the last fingerprints) → read both sides → plan
/// (<see cref="AuthPlanner"/>) → guard (<see cref="DeletionPolicy"/>) → apply in one transaction → verify by reading the
/// target again → save state → count. An incremental run first compares both sides' fingerprints with the last run's
/// and reads nothing when neither moved. Password hashes are copied as they are and never logged.
/// </summary>
internal sealed partial class AuthSyncRunner(IOptionsMonitor<NacosSyncOptions> options, ClusterRegistry clusters, IRunStateStore store,
    TimeProvider timeProvider, ILogger<AuthSyncRunner> logger) : ISyncRunner
{
    public SyncKind Kind => SyncKind.Auth;

    public async Task<SyncRunResult> RunAsync(string taskName, SyncMode mode, SyncRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = timeProvider.GetTimestamp();
        var tally = new AuthRunTally();
        try
        {
            await RunCoreAsync(taskName, mode, request, tally, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or NacosException or InvalidOperationException or CheckpointConflictException)
        {
            var stage = tally.Stage;
            LogRunFailed(logger, taskName, mode, stage, ex.Message);
            tally.Error(tally.Stage, ex.Message, unreachable: ex is NacosUnreachableException or NacosVersionUnknownException);
        }

        var result = tally.Result(taskName, mode, timeProvider.GetElapsedTime(started));
        if (!result.Succeeded || result.Added + result.Updated + result.Removed > 0)
        {
            LogRun(logger, taskName, mode, result.Added, result.Updated, result.Removed, result.Refused, result.Errors.Count);
        }

        return result;
    }

    private async Task RunCoreAsync(string taskName, SyncMode mode, SyncRunRequest request, AuthRunTally tally, CancellationToken cancellationToken)
    {
        var all = options.CurrentValue;
        if (!all.Tasks.TryGetValue(taskName, out var task))
        {
            tally.Error(SyncStage.ReadSource, $"no task named '{taskName}'");
            return;
        }

        if (!task.Auth.Enabled)
        {
            return;
        }

        var source = Side(task.Source);
        var target = Side(task.Target);
        if (string.Equals(source.Identity, target.Identity, StringComparison.Ordinal))
        {
            tally.Error(SyncStage.ReadSource, $"Tasks:{taskName}: source and target are the same store ({source.Identity}); nothing is copied");
            return;
        }

        var key = new StateKey(taskName, SyncKind.Auth);

        // Load state.
        tally.Stage = SyncStage.ReadTarget;
        var checkpoint = await store.LoadCheckpointAsync(key, cancellationToken);
        tally.Stage = SyncStage.ReadSource;
        var sourcePrint = await source.FingerprintAsync(cancellationToken);
        tally.Stage = SyncStage.ReadTarget;
        var targetPrint = await target.FingerprintAsync(cancellationToken);
        var position = $"{sourcePrint}|{targetPrint}";
        if (mode == SyncMode.Incremental && checkpoint?.FullSyncAt is not null && checkpoint.Position == position && !request.DryRun)
        {
            return; // neither side moved since the last run
        }

        var owned = (await store.LoadEntriesAsync(key, StateScope.Owned, cancellationToken)).Select(e => e.Key).ToHashSet(StringComparer.Ordinal);

        // Read.
        tally.Stage = SyncStage.ReadSource;
        var sourceRead = await source.ReadAsync(cancellationToken);
        tally.Stage = SyncStage.ReadTarget;
        var targetRead = await target.ReadAsync(cancellationToken);
        tally.Read = sourceRead.Users.Count + sourceRead.Roles.Count + sourceRead.Permissions.Count;
        var mapNamespace = await NamespaceMapAsync(task, cancellationToken);

        // Plan and guard.
        var protectedUsers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var cluster in new[] { task.Target, task.Source })
        {
            if (all.Clusters.TryGetValue(cluster, out var c) && !string.IsNullOrEmpty(c.Username))
            {
                protectedUsers.Add(c.Username); // the daemon's own logins
            }
        }

        (AuthPlan Plan, IReadOnlyList<string> NotCopied) Plan(AuthSnapshot targetNow, IReadOnlySet<string> ownedNow)
        {
            var full = AuthPlanner.Plan(sourceRead, targetNow, ownedNow, protectedUsers, task.Auth, mapNamespace);
            return target.ThroughApi ? AuthApiPlan.Restrict(full, targetNow, task.Target) : (full, []);
        }

        var (plan, notCopied) = Plan(targetRead, owned);
        tally.Planned(plan);
        tally.NotCopied(notCopied.Count);
        foreach (var line in notCopied)
        {
            LogNotCopied(logger, taskName, line);
        }

        var removable = task.Auth.MirrorDeletes ? targetRead.Users.Count + targetRead.Roles.Count + targetRead.Permissions.Count : owned.Count;
        var verdict = DeletionPolicy.Judge(
            [new NamespaceDeletions("auth", plan.Removals, SourceReadComplete: true, SourceReadEmpty: sourceRead.Users.Count == 0)],
            new DeletionContext(removable, checkpoint?.FullSyncAt is not null, request.AllowDeletions, RemovedInWindow: 0), task.Guards);
        var applyRemovals = plan.Removals > 0 && verdict.Allows("auth");
        if (plan.Removals > 0 && !applyRemovals)
        {
            tally.Refused(plan.Removals, verdict.Reason);
            LogGuard(logger, taskName, verdict.Reason ?? "");
        }

        foreach (var conflict in plan.Conflicts)
        {
            LogConflict(logger, taskName, conflict);
        }

        if (request.DryRun || plan.IsEmpty)
        {
            if (!request.DryRun)
            {
                await store.SaveCheckpointAsync(key, position, mode == SyncMode.Full, checkpoint?.Version ?? 0, cancellationToken);
            }

            return;
        }

        // Apply: what the task creates is recorded as owned before it is written (a crash leaves an entry without an object, never the reverse).
        tally.Stage = SyncStage.Write;
        var now = timeProvider.GetUtcNow();
        var created = plan.CreateUsers.Select(AuthObjectKeys.Of).Concat(plan.AddRoles.Select(AuthObjectKeys.Of)).Concat(plan.AddPermissions.Select(AuthObjectKeys.Of)).ToList();
        await store.WriteEntriesAsync(key, StateScope.Owned, [.. created.Select(k => new StateEntry(k, "1", now))], [], cancellationToken);
        var failed = (await target.ApplyAsync(plan, applyRemovals, tally, cancellationToken)).ToHashSet(StringComparer.Ordinal);
        if (applyRemovals)
        {
            var removed = plan.RemoveUsers.Select(AuthObjectKeys.Of).Concat(plan.RemoveRoles.Select(AuthObjectKeys.Of)).Concat(plan.RemovePermissions.Select(AuthObjectKeys.Of))
                .Where(k => !failed.Contains(k)).ToList();
            await store.WriteEntriesAsync(key, StateScope.Owned, [], removed, cancellationToken);
        }

        tally.Applied(plan, applyRemovals, failed);

        // A creation that failed (API mode) was not made by us: recorded as owned before the write (crash safety), it is
        // taken back, or an object the target's operators create by that name later would count as the task's own.
        var notMade = created.Where(k => failed.Contains(k) && !owned.Contains(k)).ToList();
        if (notMade.Count > 0)
        {
            await store.WriteEntriesAsync(key, StateScope.Owned, [], notMade, cancellationToken);
        }

        // Verify: the target now holds what was written.
        tally.Stage = SyncStage.Verify;
        var after = await target.ReadAsync(cancellationToken);
        var (again, _) = Plan(after, owned.Concat(created).ToHashSet(StringComparer.Ordinal));
        foreach (var missing in again.CreateUsers.Select(AuthObjectKeys.Of).Concat(again.AddRoles.Select(AuthObjectKeys.Of)).Concat(again.AddPermissions.Select(AuthObjectKeys.Of))
            .Where(k => created.Contains(k) && !failed.Contains(k)))
        {
            tally.Error(SyncStage.Verify, $"{AuthObjectKeys.Describe(missing)} was written but is not in the target", missing);
        }

        // Writes that failed are retried by the next incremental run: no position it could match, so it plans again
        // (a saved position would make it skip until either side moved, leaving the retry to the next full run).
        tally.Stage = SyncStage.Write;
        var next = failed.Count == 0 ? $"{sourcePrint}|{await target.FingerprintAsync(cancellationToken)}" : null;
        await store.SaveCheckpointAsync(key, next, mode == SyncMode.Full, checkpoint?.Version ?? 0, cancellationToken);
    }

    /// <summary>A cluster's database when it has one, else its auth API (API mode: roles and permissions only).</summary>
    private AuthSide Side(string cluster) =>
        clusters.Database(cluster) is { } database ? new DatabaseAuthSide(new AuthTableStore(database)) : new ApiAuthSide(new NacosAuthClient(clusters.Transport(cluster)));

    /// <summary>Maps a permission's namespace as the task maps namespaces (the public one is <c>""</c> on 2.x, <c>public</c> on 3.x: both versions are read).</summary>
    private async Task<Func<string, string?>> NamespaceMapAsync(SyncTaskOptions task, CancellationToken cancellationToken)
    {
        var mapping = new ConfigMapping(task, await clusters.PublicConfigTenantAsync(task.Source, cancellationToken), await clusters.PublicConfigTenantAsync(task.Target, cancellationToken));
        return mapping.MapTenant;
    }

    [LoggerMessage(EventId = 5501, Level = LogLevel.Information, Message = "Auth task {Task} ({Mode}): added {Added}, updated {Updated}, removed {Removed}, refused {Refused}, errors {Errors}")]
    private static partial void LogRun(ILogger logger, string task, SyncMode mode, long added, long updated, long removed, long refused, int errors);

    [LoggerMessage(EventId = 5502, Level = LogLevel.Warning, Message = "Auth task {Task} ({Mode}) failed at {Stage}: {Error}")]
    private static partial void LogRunFailed(ILogger logger, string task, SyncMode mode, SyncStage stage, string error);

    [LoggerMessage(EventId = 5503, Level = LogLevel.Warning, Message = "Auth task {Task}: removals held back: {Reason}")]
    private static partial void LogGuard(ILogger logger, string task, string reason);

    [LoggerMessage(EventId = 5504, Level = LogLevel.Warning, Message = "Auth task {Task}: {Conflict}")]
    private static partial void LogConflict(ILogger logger, string task, string conflict);

    [LoggerMessage(EventId = 5505, Level = LogLevel.Warning, Message = "Auth task {Task}: {What}")]
    private static partial void LogNotCopied(ILogger logger, string task, string what);
}

/// <summary>The counts of one auth run.</summary>
internal sealed class AuthRunTally
{
    private readonly List<SyncError> _errors = [];
    private readonly List<string> _leftAlone = [];
    private readonly List<SyncDifference> _differences = [];
    private long _added;
    private long _updated;
    private long _removed;
    private long _refused;
    private long _notCopied;
    private string? _guard;

    public SyncStage Stage { get; set; } = SyncStage.ReadSource;

    public long Read { get; set; }

    public void Error(SyncStage stage, string message, string? key = null, bool unreachable = false) => _errors.Add(new SyncError(stage, message, key, unreachable));

    public void Planned(AuthPlan plan)
    {
        _leftAlone.AddRange(plan.LeftAlone);
        _leftAlone.AddRange(plan.Conflicts);
        _differences.AddRange(plan.CreateUsers.Select(u => new SyncDifference("add", u.ToString())));
        _differences.AddRange(plan.UpdateUsers.Select(u => new SyncDifference("update", u.ToString())));
        _differences.AddRange(plan.AddRoles.Select(r => new SyncDifference("add", r.ToString())));
        _differences.AddRange(plan.AddPermissions.Select(p => new SyncDifference("add", p.ToString())));
        _differences.AddRange(plan.RemoveUsers.Select(u => new SyncDifference("remove", u.ToString())));
        _differences.AddRange(plan.RemoveRoles.Select(r => new SyncDifference("remove", r.ToString())));
        _differences.AddRange(plan.RemovePermissions.Select(p => new SyncDifference("remove", p.ToString())));
    }

    /// <summary>
    /// Objects the source has that API mode cannot write (named in <c>LeftAlone</c>): they are drift, so <c>verify</c>
    /// fails and <c>nacossync_sync_drift{kind="auth"}</c> shows them until the target has them.
    /// </summary>
    public void NotCopied(int count) => _notCopied += count;

    public void Refused(int count, string? reason)
    {
        _refused += count;
        _guard = reason;
    }

    /// <summary>What the apply wrote: the plan but the objects in <paramref name="failed"/> (API mode, each reported).</summary>
    public void Applied(AuthPlan plan, bool removals, IReadOnlySet<string> failed)
    {
        int Written<T>(IEnumerable<T> items, Func<T, string> key) => items.Count(i => !failed.Contains(key(i)));
        _added = Written(plan.CreateUsers, AuthObjectKeys.Of) + Written(plan.AddRoles, AuthObjectKeys.Of) + Written(plan.AddPermissions, AuthObjectKeys.Of);
        _updated = plan.UpdateUsers.Count;
        _removed = removals ? Written(plan.RemoveUsers, AuthObjectKeys.Of) + Written(plan.RemoveRoles, AuthObjectKeys.Of) + Written(plan.RemovePermissions, AuthObjectKeys.Of) : 0;
    }

    public SyncRunResult Result(string task, SyncMode mode, TimeSpan duration) => new()
    {
        TaskName = task,
        Kind = SyncKind.Auth,
        Mode = mode,
        Read = Read,
        Added = _added,
        Updated = _updated,
        Removed = _removed,
        Refused = _refused,
        Drift = _differences.Count + _notCopied,
        Differences = _differences,
        LeftAlone = _leftAlone,
        GuardTripped = _guard,
        Errors = _errors,
        Duration = duration,
    };
}
