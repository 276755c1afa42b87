using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NacosSync.Core.Naming;
using NacosSync.Core.Options;
using NacosSync.Core.Sync;
using NacosSync.Engine.Clusters;
using NacosSync.Nacos.Naming;
using NacosSync.Nacos.Transport;
using NacosSync.Storage.State;

namespace NacosSync.Engine.Naming;

/// <summary>
/// The naming sync of one task: read source and target → map and diff (Core) → guard → apply →
/// keep ephemeral replicas alive → checkpoint. Full runs re-read everything and repair any drift;
/// incremental runs re-read only the services the <see cref="NamingChangeFeed"/> says changed.
/// </summary>
internal sealed partial class NamingSyncRunner : ISyncRunner
{
    public const string CheckpointKind = "naming";

    private const int ReadConcurrency = 16;
    private const int WriteConcurrency = 16;

    private static readonly TimeSpan StartFullRunRetry = TimeSpan.FromSeconds(10);

    private readonly IOptions<NacosSyncOptions> _options;
    private readonly NacosClientFactory _clients;
    private readonly HeartbeatKeeper _keeper;
    private readonly CheckpointStore? _checkpoints;
    private readonly NamingChangeFeed? _feed;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, TaskMemory> _memory = new(StringComparer.Ordinal);

    public NamingSyncRunner(IOptions<NacosSyncOptions> options, NacosClientFactory clients, HeartbeatKeeper keeper, TimeProvider timeProvider,
        ILogger<NamingSyncRunner> logger, CheckpointStore? checkpoints = null, NamingChangeFeed? feed = null)
    {
        _options = options;
        _clients = clients;
        _keeper = keeper;
        _checkpoints = checkpoints;
        _feed = feed;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public SyncKind Kind => SyncKind.Naming;

    public async Task<SyncRunResult> RunAsync(string taskName, SyncMode mode, SyncRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();
        var run = new RunState(taskName, mode);
        try
        {
            if (!_options.Value.Tasks.TryGetValue(taskName, out var task))
            {
                run.Error(SyncStage.ReadSource, $"Tasks:{taskName}: no such task");
            }
            else if (!task.Naming.Enabled)
            {
                // Nothing to do: naming is off for this task.
            }
            else if (string.Equals(task.Source, task.Target, StringComparison.Ordinal))
            {
                run.Error(SyncStage.ReadSource, $"Tasks:{taskName}: source and target are the same cluster '{task.Source}'; refusing to run");
            }
            else if (mode == SyncMode.Full || _feed is null)
            {
                await RunFullAsync(taskName, task, request, run, cancellationToken);
            }
            else if (!_feed.IsWatching(taskName))
            {
                // An incremental run before any complete full run of this process (a start or restart) runs
                // full: the keeper must learn the replicas to beat within their 30 s, not at the next cron.
                // While that keeps failing, try at most every 10 s rather than at every incremental tick.
                var memory = _memory.GetOrAdd(taskName, _ => new TaskMemory());
                var now = _timeProvider.GetUtcNow();
                if (memory.LastStartFullRun is not { } last || now - last >= StartFullRunRetry)
                {
                    memory.LastStartFullRun = now;
                    run.Mode = SyncMode.Full;
                    await RunFullAsync(taskName, task, request, run, cancellationToken);
                }
            }
            else
            {
                await RunIncrementalAsync(taskName, task, request, run, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            LogRunFailed(_logger, taskName, mode.Name(), ex);
            run.Error(SyncStage.Write, $"unexpected: {ex.GetType().Name}: {ex.Message}");
        }

        return run.Result(Stopwatch.GetElapsedTime(started));
    }

    private async Task RunFullAsync(string taskName, SyncTaskOptions task, SyncRunRequest request, RunState run, CancellationToken cancellationToken)
    {
        var owner = new ReplicaOwner(taskName, _clients.ClusterId(task.Source));
        var mapper = new NamingMapper(owner, task);
        var source = _clients.Naming(task.Source);
        var target = _clients.Naming(task.Target);
        var memory = _memory.GetOrAdd(taskName, _ => new TaskMemory());
        var firstFullSyncDone = await LoadFirstFullSyncDoneAsync(taskName, memory, run, cancellationToken);

        IReadOnlyList<string> sourceNamespaces;
        try
        {
            sourceNamespaces = request.Namespace is { } only ? [only]
                : mapper.ConfiguredSourceNamespaces.Count > 0 ? mapper.ConfiguredSourceNamespaces
                : [.. (await source.ListNamespacesAsync(cancellationToken)).Select(n => n.Id)];
        }
        catch (NacosException ex)
        {
            run.Error(SyncStage.ReadSource, $"listing source namespaces failed: {ex.Message}");
            return;
        }

        var changes = new List<NamingChange>();
        var incomplete = new HashSet<string>(StringComparer.Ordinal);
        var emptySource = new HashSet<string>(StringComparer.Ordinal);
        var targetReads = new Dictionary<string, NamespaceSnapshot>(StringComparer.Ordinal);
        var wantedByNamespace = new Dictionary<string, List<NamingInstance>>(StringComparer.Ordinal);
        var ownedTotal = 0;
        var complete = true;
        var sourceServices = new List<ServiceSnapshot>();
        foreach (var sourceNamespace in sourceNamespaces)
        {
            var targetNamespace = mapper.TargetNamespace(sourceNamespace);
            var sourceRead = await ReadNamespaceAsync(source, sourceNamespace, defaultEphemeral: true, mapper.InScope, KnownGroups(task, target: false), cancellationToken);
            var targetRead = await ReadNamespaceAsync(target, targetNamespace, mapper.EphemeralReplicas, scope: null, KnownGroups(task, target: true), cancellationToken);
            run.Read += sourceRead.InstanceCount;
            if (!targetRead.Complete)
            {
                // Without the target's view we cannot tell our replicas from native instances: write nothing here.
                run.Error(SyncStage.ReadTarget, $"namespace '{targetNamespace}': {targetRead.Failure}", targetNamespace);
                complete = false;
                continue;
            }

            targetReads[targetNamespace] = targetRead;
            if (!sourceRead.Complete)
            {
                run.Error(SyncStage.ReadSource, $"namespace '{sourceNamespace}': {sourceRead.Failure}", sourceNamespace);
                incomplete.Add(targetNamespace);
                complete = false;
            }

            sourceServices.AddRange(sourceRead.Services.Where(s => mapper.InScope(s.Key)));
            var wanted = mapper.ToReplicas(sourceRead.Services).ToList();
            wantedByNamespace[targetNamespace] = wanted;
            var plan = NamingDiff.Compute(wanted, targetRead.Services.SelectMany(s => s.Instances), owner, compareHealth: true);
            ownedTotal += plan.OwnedTotal;
            if (sourceRead.Complete && sourceRead.InstanceCount == 0 && plan.OwnedTotal > 0)
            {
                emptySource.Add(targetNamespace);
            }

            foreach (var conflict in plan.Conflicts)
            {
                run.Conflicts++;
                LogConflict(_logger, taskName, conflict.Wanted.Key);
            }

            ReportOrphans(taskName, owner, targetNamespace, targetRead);

            changes.AddRange(plan.Changes);
        }

        run.Drift = changes.Count;
        if (GuardAndCount(taskName, changes, new NamingGuardContext(incomplete, emptySource, ownedTotal, firstFullSyncDone, request.AllowDeletions),
            task.Guards, request, run) is not { } guarded)
        {
            return;
        }

        var failed = await ApplyAsync(taskName, task.Target, target, guarded.Allowed, run, cancellationToken);

        // Keep alive what should exist: wanted replicas written or unchanged, plus replicas whose removal was refused.
        if (mapper.EphemeralReplicas)
        {
            foreach (var (targetNamespace, targetRead) in targetReads)
            {
                var keep = new Dictionary<InstanceAddress, NamingInstance>();
                var conflicted = targetRead.Services.SelectMany(s => s.Instances).Where(i => !owner.Owns(i.Metadata)).Select(i => i.Key.Address).ToHashSet();
                foreach (var replica in wantedByNamespace[targetNamespace])
                {
                    if (!conflicted.Contains(replica.Key.Address) && !failed.Contains(replica.Key.Address))
                    {
                        keep[replica.Key.Address] = replica;
                    }
                }

                foreach (var refused in guarded.Refused.Where(r => r.Namespace == targetNamespace))
                {
                    keep.TryAdd(refused.Instance.Key.Address, refused.Instance);
                }

                _keeper.ReplaceNamespace(taskName, task.Target, targetNamespace, keep.Values);
            }
        }

        memory.LastFullOwned = (int)(ownedTotal + run.Added - run.Removed);
        if (complete && run.FailedCount == 0)
        {
            memory.FirstFullSyncDone = true;
            await SaveCheckpointAsync(taskName, fullSyncCompleted: true, run, cancellationToken);
        }

        if (_feed is not null && complete && request.Namespace is null)
        {
            _feed.FullRunCompleted(taskName, sourceServices, sourceNamespaces, everyNamespace: mapper.ConfiguredSourceNamespaces.Count == 0);
        }
    }

    /// <summary>
    /// Runs the deletion guard over a plan, records what it held back (a trip only for the policy
    /// guards: a failed read is already an error of its own) and counts the plan per namespace.
    /// Null on a dry run: the plan is the result, nothing is applied.
    /// </summary>
    private GuardedNamingPlan? GuardAndCount(string taskName, List<NamingChange> changes, NamingGuardContext context, GuardOptions guards, SyncRunRequest request, RunState run)
    {
        var guarded = NamingGuard.Apply(changes, context, guards);
        if (guarded.Reason is { } reason)
        {
            run.Refused = guarded.Refused.Count;
            if (guarded.Refused.Any(c => !context.IncompleteNamespaces.Contains(c.Namespace)))
            {
                run.GuardTripped = reason;
            }

            LogGuard(_logger, taskName, guarded.Refused.Count, context.OwnedTotal, reason);
        }

        run.Count(guarded.Allowed, guarded.Refused);
        if (request.DryRun)
        {
            run.Planned = true;
            return null;
        }

        return guarded;
    }

    private async Task RunIncrementalAsync(string taskName, SyncTaskOptions task, SyncRunRequest request, RunState run, CancellationToken cancellationToken)
    {
        var owner = new ReplicaOwner(taskName, _clients.ClusterId(task.Source));
        var mapper = new NamingMapper(owner, task);
        var source = _clients.Naming(task.Source);
        var target = _clients.Naming(task.Target);
        var memory = _memory.GetOrAdd(taskName, _ => new TaskMemory());
        var firstFullSyncDone = await LoadFirstFullSyncDoneAsync(taskName, memory, run, cancellationToken);
        var batch = await _feed!.TakeAsync(taskName, task, source, cancellationToken);
        if (batch.Services.Count == 0)
        {
            run.OldestPending = batch.OldestPending;
            return;
        }

        var changes = new List<NamingChange>();
        var incomplete = new HashSet<string>(StringComparer.Ordinal);
        var done = new List<ServiceKey>();
        var readServices = new ConcurrentBag<(ServiceKey Source, ServiceInstancesRead? Read, bool Changed, string? Error)>();
        await Parallel.ForEachAsync(batch.Services, new ParallelOptions { MaxDegreeOfParallelism = ReadConcurrency, CancellationToken = cancellationToken }, async (service, ct) =>
        {
            try
            {
                var (read, changed) = await _feed.ListAndSubscribeAsync(taskName, source, service, ct);
                readServices.Add((service, read, changed, null));
            }
            catch (NacosException ex)
            {
                readServices.Add((service, null, false, ex.Message));
            }
        });

        foreach (var (sourceService, read, changed, error) in readServices)
        {
            if (request.Namespace is { } only && sourceService.Namespace != only)
            {
                continue;
            }

            var targetService = mapper.ToTarget(sourceService);
            if (read is null)
            {
                run.Error(SyncStage.ReadSource, $"service {sourceService}: {error}", sourceService.ToString());
                incomplete.Add(targetService.Namespace);
                continue;
            }

            run.Read += read.Service.Instances.Count;
            if (!changed)
            {
                done.Add(sourceService); // the same answer as last applied: the target needs no look
                continue;
            }

            // The list call hides disabled instances: where the version has the catalog, read the changed
            // service from it on both sides, so a disabled instance is not taken for a removed one and a
            // disabled native instance in the target is still seen as a conflict.
            ServiceSnapshot sourceSnapshot;
            ServiceSnapshot targetSnapshot;
            bool includesDisabled;
            try
            {
                var fromCatalog = await source.ReadServiceFromCatalogAsync(sourceService, defaultEphemeral: true, cancellationToken);
                sourceSnapshot = fromCatalog ?? read.Service;
                includesDisabled = fromCatalog is not null;
            }
            catch (NacosException ex)
            {
                run.Error(SyncStage.ReadSource, $"service {sourceService}: {ex.Message}", sourceService.ToString());
                incomplete.Add(targetService.Namespace);
                continue;
            }

            try
            {
                targetSnapshot = await target.ReadServiceFromCatalogAsync(targetService, mapper.EphemeralReplicas, cancellationToken)
                    ?? (await target.ListInstancesAsync(targetService, cancellationToken)).Service;
            }
            catch (NacosException ex)
            {
                run.Error(SyncStage.ReadTarget, $"service {targetService}: {ex.Message}", targetService.ToString());
                continue;
            }

            var wanted = mapper.InScope(sourceService) ? mapper.ToReplicas([sourceSnapshot]).ToList() : [];
            var plan = NamingDiff.Compute(wanted, targetSnapshot.Instances, owner, compareHealth: true);
            changes.AddRange(plan.Changes.Where(c => c.Kind != NamingChangeKind.Remove || CanRemoveIncrementally(c, includesDisabled)));
            done.Add(sourceService);
        }

        if (GuardAndCount(taskName, changes, new NamingGuardContext(incomplete, new HashSet<string>(), Math.Max(memory.LastFullOwned, 0), firstFullSyncDone, request.AllowDeletions),
            task.Guards, request, run) is not { } guarded)
        {
            return;
        }

        var failed = await ApplyAsync(taskName, task.Target, target, guarded.Allowed, run, cancellationToken);
        if (mapper.EphemeralReplicas)
        {
            foreach (var change in guarded.Allowed.Where(c => c.Kind != NamingChangeKind.Remove && !failed.Contains(c.Instance.Key.Address)))
            {
                _keeper.Track(taskName, task.Target, change.Instance);
            }
        }

        var now = _timeProvider.GetUtcNow();
        foreach (var service in done)
        {
            if (batch.ChangedAt.TryGetValue(service, out var at) && run.FailedCount == 0)
            {
                run.Latencies.Add(Math.Max(0, (now - at).TotalSeconds));
            }
        }

        _feed.Completed(taskName, run.FailedCount == 0 ? done : []);
        run.OldestPending = _feed.OldestPending(taskName);
    }

    /// <summary>
    /// Replicas that name this target's sources but no configured task, or this task with another
    /// origin cluster id: left over by a renamed task or a changed ClusterId. They are not this task's,
    /// so they are never touched; saying so once per full run keeps them from being orphaned silently.
    /// </summary>
    private void ReportOrphans(string taskName, ReplicaOwner owner, string targetNamespace, NamespaceSnapshot targetRead)
    {
        var tasks = _options.Value.Tasks;
        foreach (var group in targetRead.Services.SelectMany(s => s.Instances)
            .Where(i => i.Metadata.TryGetValue(ReplicaOwner.TaskKey, out var t) && !owner.Owns(i.Metadata)
                && (!tasks.ContainsKey(t) || (t == taskName)))
            .GroupBy(i => (Task: i.Metadata[ReplicaOwner.TaskKey], Origin: i.Metadata.GetValueOrDefault(ReplicaOwner.OriginClusterKey) ?? "")))
        {
            LogOrphans(_logger, taskName, group.Count(), targetNamespace, group.Key.Task, group.Key.Origin);
        }
    }

    /// <summary>
    /// Without the catalog (3.0) the source answer hides disabled instances: a replica mirroring a
    /// disabled instance is then left alone by incremental runs (the full run decides).
    /// </summary>
    private static bool CanRemoveIncrementally(NamingChange change, bool sourceIncludesDisabled) =>
        sourceIncludesDisabled || change.Current is { Enabled: true };

    private async Task<bool> LoadFirstFullSyncDoneAsync(string taskName, TaskMemory memory, RunState run, CancellationToken cancellationToken)
    {
        if (memory.FirstFullSyncDone || _checkpoints is null)
        {
            return memory.FirstFullSyncDone;
        }

        try
        {
            var checkpoint = await _checkpoints.LoadAsync(taskName, CheckpointKind, cancellationToken);
            memory.FirstFullSyncDone = checkpoint?.FullSyncAt is not null;
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            // Unknown means "not yet": deletions wait, everything else goes on.
            run.Error(SyncStage.ReadTarget, $"loading the checkpoint failed: {ex.Message}");
        }

        return memory.FirstFullSyncDone;
    }

    private async Task SaveCheckpointAsync(string taskName, bool fullSyncCompleted, RunState run, CancellationToken cancellationToken)
    {
        if (_checkpoints is null)
        {
            return;
        }

        try
        {
            await _checkpoints.SaveAsync(taskName, CheckpointKind, position: null, fullSyncCompleted, cancellationToken);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            run.Error(SyncStage.Write, $"saving the checkpoint failed: {ex.Message}");
        }
    }

    /// <summary>Reads one namespace: the catalog in one call where the version has it, else list + instances with bounded concurrency.</summary>
    private static async Task<NamespaceSnapshot> ReadNamespaceAsync(NacosNamingClient client, string ns, bool defaultEphemeral, Func<ServiceKey, bool>? scope,
        IReadOnlyCollection<string> knownGroups, CancellationToken cancellationToken)
    {
        try
        {
            if (await client.ReadCatalogAsync(ns, defaultEphemeral, cancellationToken) is { } catalog)
            {
                return new NamespaceSnapshot(ns, true, catalog);
            }

            var services = await client.ListServicesAsync(ns, cancellationToken, knownGroups);
            var reads = new ConcurrentBag<ServiceSnapshot>();
            await Parallel.ForEachAsync(services.Where(s => scope is null || scope(s)),
                new ParallelOptions { MaxDegreeOfParallelism = ReadConcurrency, CancellationToken = cancellationToken },
                async (service, ct) => reads.Add((await client.ListInstancesAsync(service, ct)).Service));
            return new NamespaceSnapshot(ns, true, [.. reads]);
        }
        catch (NacosException ex)
        {
            return NamespaceSnapshot.Failed(ns, ex.Message);
        }
    }

    /// <summary>
    /// Groups to list one by one where the server cannot list all groups at once (3.0 without the
    /// console catalog): DEFAULT_GROUP, the mapped groups and the literal names of the group filter.
    /// </summary>
    internal static IReadOnlyCollection<string> KnownGroups(SyncTaskOptions task, bool target)
    {
        var groups = new SortedSet<string>(StringComparer.Ordinal) { "DEFAULT_GROUP" };
        foreach (var (from, to) in task.Groups)
        {
            groups.Add(target ? to : from);
        }

        foreach (var include in task.Naming.GroupFilter.Include.Where(g => !g.Contains('*', StringComparison.Ordinal)))
        {
            groups.Add(target && task.Groups.TryGetValue(include, out var mapped) ? mapped : include);
        }

        return groups;
    }

    /// <summary>Applies allowed changes with bounded concurrency; returns the addresses whose write failed.</summary>
    private async Task<HashSet<InstanceAddress>> ApplyAsync(string taskName, string targetCluster, NacosNamingClient target, IReadOnlyList<NamingChange> changes,
        RunState run, CancellationToken cancellationToken)
    {
        var failed = new ConcurrentDictionary<InstanceAddress, bool>();
        var mixingReported = new ConcurrentDictionary<ServiceKey, bool>();
        await Parallel.ForEachAsync(changes, new ParallelOptions { MaxDegreeOfParallelism = WriteConcurrency, CancellationToken = cancellationToken }, async (change, ct) =>
        {
            try
            {
                await ApplyOneAsync(taskName, target, change, ct);
                run.Applied(change.Kind);
            }
            catch (NacosRejectedException ex) when (ex.ServerMessage.Contains("can't register", StringComparison.Ordinal))
            {
                failed[change.Instance.Key.Address] = true;
                run.Failed();
                var service = change.Instance.Key.Service;
                if (mixingReported.TryAdd(service, true))
                {
                    var message = $"service {service} in '{targetCluster}' holds the other kind of instance; Nacos 2.x does not mix ephemeral and persistent "
                        + $"instances in one service, so its replicas cannot be written (server: {ex.ServerMessage}). Remove the target service or change Naming:ReplicaMode.";
                    run.Error(SyncStage.Write, message, service.ToString());
                    LogMixing(_logger, taskName, service, ex.ServerMessage);
                }
            }
            catch (NacosException ex)
            {
                failed[change.Instance.Key.Address] = true;
                run.Failed();
                run.Error(SyncStage.Write, $"{change.Kind} {change.Instance.Key}: {ex.Message}", change.Instance.Key.ToString());
            }
        });

        return [.. failed.Keys];
    }

    private async Task ApplyOneAsync(string taskName, NacosNamingClient target, NamingChange change, CancellationToken cancellationToken)
    {
        var replica = change.Instance;
        switch (change.Kind)
        {
            case NamingChangeKind.Add:
                await target.RegisterAsync(replica, cancellationToken);
                await MirrorPersistentHealthAsync(target, replica, current: null, cancellationToken);
                break;
            case NamingChangeKind.Update:
                var current = change.Current!;
                if (current.Ephemeral != replica.Ephemeral)
                {
                    _keeper.Untrack(taskName, current.Key);
                    await target.DeregisterAsync(current, cancellationToken);
                }

                await target.RegisterAsync(replica, cancellationToken);

                // A hand-made overlay (PUT) outlives re-registration: overwrite it with the wanted values.
                if (current.Ephemeral == replica.Ephemeral && (Math.Abs(current.Weight - replica.Weight) > 1e-6 || current.Enabled != replica.Enabled
                    || !NamingInstance.MetadataEquals(current.Metadata, replica.Metadata)))
                {
                    await target.UpdateAsync(replica, cancellationToken);
                }

                await MirrorPersistentHealthAsync(target, replica, current, cancellationToken);
                break;
            case NamingChangeKind.Remove:
                // Stop beating first: a beat after the deregistration would bring the replica back.
                _keeper.Untrack(taskName, replica.Key);
                await target.DeregisterAsync(replica, cancellationToken);
                break;
        }
    }

    private static async Task MirrorPersistentHealthAsync(NacosNamingClient target, NamingInstance replica, NamingInstance? current, CancellationToken cancellationToken)
    {
        if (!replica.Ephemeral && (current is null ? !replica.Healthy : current.Healthy != replica.Healthy))
        {
            await target.SetHealthAsync(replica, cancellationToken);
        }
    }

    /// <summary>What a runner remembers about a task between runs (in memory; the checkpoint is the durable part).</summary>
    private sealed class TaskMemory
    {
        public bool FirstFullSyncDone { get; set; }

        public int LastFullOwned { get; set; }

        public DateTimeOffset? LastStartFullRun { get; set; }
    }

    /// <summary>Counters of one run, safe to bump from parallel writes.</summary>
    private sealed class RunState(string taskName, SyncMode mode)
    {
        public SyncMode Mode { get; set; } = mode;

        private readonly ConcurrentQueue<SyncError> _errors = new();
        private readonly ConcurrentDictionary<string, long[]> _namespaces = new(StringComparer.Ordinal);
        private long _added;
        private long _updated;
        private long _removed;
        private long _failed;

        public long Read { get; set; }

        public long Drift { get; set; }

        public long Refused { get; set; }

        public int Conflicts { get; set; }

        public string? GuardTripped { get; set; }

        public DateTimeOffset? OldestPending { get; set; }

        public List<double> Latencies { get; } = [];

        public long Added => Interlocked.Read(ref _added);

        public long Removed => Interlocked.Read(ref _removed);

        public long FailedCount => Interlocked.Read(ref _failed);

        public void Error(SyncStage stage, string message, string? key = null) => _errors.Enqueue(new SyncError(stage, message, key));

        public void Failed() => Interlocked.Increment(ref _failed);

        public void Applied(NamingChangeKind kind)
        {
            switch (kind)
            {
                case NamingChangeKind.Add:
                    Interlocked.Increment(ref _added);
                    break;
                case NamingChangeKind.Update:
                    Interlocked.Increment(ref _updated);
                    break;
                default:
                    Interlocked.Increment(ref _removed);
                    break;
            }
        }

        /// <summary>Per-namespace planned counts (added, updated, removed, refused).</summary>
        public void Count(IEnumerable<NamingChange> allowed, IEnumerable<NamingChange> refused)
        {
            foreach (var change in allowed)
            {
                _namespaces.GetOrAdd(change.Namespace, _ => new long[4])[(int)change.Kind]++;
            }

            foreach (var change in refused)
            {
                _namespaces.GetOrAdd(change.Namespace, _ => new long[4])[3]++;
            }
        }

        /// <summary>A dry run: the totals are what would be applied, not what was.</summary>
        public bool Planned { get; set; }

        public SyncRunResult Result(TimeSpan duration) => new()
        {
            TaskName = taskName,
            Kind = SyncKind.Naming,
            Mode = Mode,
            Read = Read,
            Added = Planned ? _namespaces.Values.Sum(n => n[0]) : Added,
            Updated = Planned ? _namespaces.Values.Sum(n => n[1]) : Interlocked.Read(ref _updated),
            Removed = Planned ? _namespaces.Values.Sum(n => n[2]) : Removed,
            Refused = Refused,
            Failed = FailedCount,
            Drift = Drift,
            GuardTripped = GuardTripped,
            Errors = [.. _errors],
            Namespaces = [.. _namespaces.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => new NamespaceCounts(n.Key, n.Value[0], n.Value[1], n.Value[2], n.Value[3]))],
            ChangeLatencies = [.. Latencies],
            OldestPendingChange = OldestPending,
            Duration = duration,
        };
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Error, Message = "Task {Task}: naming {Mode} run failed")]
    private static partial void LogRunFailed(ILogger logger, string task, string mode, Exception exception);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Task {Task}: deletion guard held back {Refused} removal(s) of {Owned} owned replicas: {Reason}")]
    private static partial void LogGuard(ILogger logger, string task, int refused, int owned, string reason);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Task {Task}: {Replica} not written: an instance this task does not own holds that address in the target")]
    private static partial void LogConflict(ILogger logger, string task, InstanceKey replica);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Warning, Message = "Task {Task}: {Count} replica(s) in target namespace '{Namespace}' carry task '{OtherTask}' and origin '{Origin}', which no configured task owns (a renamed task or a changed ClusterId?); they are left alone: ephemeral ones expire 30 s after their beats stop, persistent ones stay until removed")]
    private static partial void LogOrphans(ILogger logger, string task, int count, string @namespace, string otherTask, string origin);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Error, Message = "Task {Task}: service {Service} cannot take these replicas (2.x no-mixing rule): {ServerMessage}")]
    private static partial void LogMixing(ILogger logger, string task, ServiceKey service, string serverMessage);
}
