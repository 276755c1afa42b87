using System.Globalization;
using Microsoft.Extensions.Options;

namespace NacosSync.Core.Options;

/// <summary>
/// Checks <see cref="NacosSyncOptions"/> before the first job runs. Every failure names the key
/// (as written in the JSON file, <c>Tasks:migrate:Target</c>), the bad value and what is allowed.
/// Secrets are never echoed.
/// </summary>
public sealed class NacosSyncOptionsValidator : IValidateOptions<NacosSyncOptions>
{
    /// <summary>The most <see cref="ConfigSyncOptions.PublishUpTo"/> takes: beyond it one refresh of every row costs less than the publishes.</summary>
    private const int ConfigPublishUpToMax = 10_000;

    /// <summary>Quartz cron check, supplied by the host (Core does not reference Quartz); null skips it.</summary>
    private readonly Func<string, string?>? _cronError;

    public NacosSyncOptionsValidator(Func<string, string?>? cronError = null) => _cronError = cronError;

    public ValidateOptionsResult Validate(string? name, NacosSyncOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();

        if (options.Clusters.Count == 0)
        {
            errors.Add("Clusters: no cluster is configured; define at least a source and a target cluster");
        }

        foreach (var (key, cluster) in options.Clusters)
        {
            ValidateCluster($"Clusters:{key}", cluster, errors);
        }

        if (options.Tasks.Count == 0)
        {
            errors.Add("Tasks: no task is configured; define at least one task with a Source and a Target");
        }

        foreach (var (key, task) in options.Tasks)
        {
            ValidateTask(key, task, options, errors);
        }

        ValidateDatabase("State:Database", options.State.Database, required: true, errors);
        ValidateHighAvailability(options.HighAvailability, errors);

        if (!Uri.TryCreate(options.Endpoint.Url, UriKind.Absolute, out var url) || (url.Scheme != "http" && url.Scheme != "https"))
        {
            errors.Add($"Endpoint:Url: '{options.Endpoint.Url}' is not an absolute http(s) URL such as http://0.0.0.0:9898");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateHighAvailability(HighAvailabilityOptions ha, List<string> errors)
    {
        if (ha.LeaseRenewInterval < TimeSpan.FromMilliseconds(100))
        {
            errors.Add($"HighAvailability:LeaseRenewInterval: {ha.LeaseRenewInterval} is too short; use at least 00:00:00.1 (default 00:00:02)");
        }

        if (ha.LeaseDuration < ha.LeaseRenewInterval * 2)
        {
            errors.Add($"HighAvailability:LeaseDuration: {ha.LeaseDuration} must be at least twice LeaseRenewInterval ({ha.LeaseRenewInterval}), "
                + "so that one late renewal does not lose the lease (default 00:00:06 with 00:00:02)");
        }

        if (ha.CheckinInterval < TimeSpan.FromSeconds(1))
        {
            errors.Add($"HighAvailability:CheckinInterval: {ha.CheckinInterval} is too short; use at least 00:00:01 (default 00:00:05)");
        }

        if (ha.StandbyRefreshInterval < TimeSpan.FromMilliseconds(200) || ha.StandbyRefreshInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add($"HighAvailability:StandbyRefreshInterval: {ha.StandbyRefreshInterval} is outside 00:00:00.2 to 00:01:00 (default 00:00:02)");
        }

        if (ha.ReplicaName is { } name && (name.Length is 0 or > 100 || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            errors.Add($"HighAvailability:ReplicaName: '{name}' must be 1 to 100 characters without spaces (default: the host name)");
        }
    }

    private static void ValidateCluster(string key, ClusterOptions cluster, List<string> errors)
    {
        if (cluster.ServerAddresses.Count == 0)
        {
            errors.Add($"{key}:ServerAddresses: empty; list at least one node as host:port, e.g. [\"10.0.0.1:8848\"]");
        }

        for (var i = 0; i < cluster.ServerAddresses.Count; i++)
        {
            var address = cluster.ServerAddresses[i];
            if (!ServerAddress.TryParse(address, out _))
            {
                errors.Add($"{key}:ServerAddresses:{i}: '{address}' is not host:port or http(s)://host:port");
            }
        }

        if (string.IsNullOrWhiteSpace(cluster.ContextPath) || !cluster.ContextPath.StartsWith('/'))
        {
            errors.Add($"{key}:ContextPath: '{cluster.ContextPath}' must start with '/', e.g. /nacos");
        }

        if (!string.IsNullOrEmpty(cluster.Username) && string.IsNullOrEmpty(cluster.Password) && string.IsNullOrEmpty(cluster.PasswordFile))
        {
            errors.Add($"{key}:Password: Username is set but neither Password nor PasswordFile is; set one (or NACOSSYNC__{key.Replace(":", "__", StringComparison.Ordinal)}__Password)");
        }

        if (cluster.ClusterId is { } id && string.IsNullOrWhiteSpace(id))
        {
            errors.Add($"{key}:ClusterId: blank; leave it out to use the cluster's key, or give a stable non-blank id");
        }

        if (cluster.RequestTimeout <= TimeSpan.Zero || cluster.RequestTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{key}:RequestTimeout: '{Format(cluster.RequestTimeout)}' must be more than 0 and at most 00:05:00");
        }

        if (!Enum.IsDefined(cluster.Transport))
        {
            errors.Add($"{key}:Transport: '{cluster.Transport}' is not one of Auto, Http, Grpc");
        }

        if (cluster.GrpcPortOffset is < 1 or > 65534)
        {
            errors.Add($"{key}:GrpcPortOffset: {cluster.GrpcPortOffset} must be between 1 and 65534 (Nacos's default is 1000)");
        }

        if (cluster.Database is not null)
        {
            ValidateDatabase($"{key}:Database", cluster.Database, required: false, errors);
        }
    }

    private void ValidateTask(string key, SyncTaskOptions task, NacosSyncOptions options, List<string> errors)
    {
        var prefix = $"Tasks:{key}";
        if (key.Length > 100 || key.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            errors.Add($"{prefix}: the task name '{key}' may hold only ASCII letters, digits, '-', '_' and '.', at most 100 characters");
        }

        var source = LookUpCluster(prefix + ":Source", task.Source, options, errors);
        var target = LookUpCluster(prefix + ":Target", task.Target, options, errors);
        if (source is not null && target is not null)
        {
            if (string.Equals(task.Source, task.Target, StringComparison.Ordinal))
            {
                errors.Add($"{prefix}:Target: '{task.Target}' is the same cluster as Source; a task must copy between two different clusters");
            }
            else if (SharesAddress(source, target, out var shared))
            {
                errors.Add($"{prefix}:Target: '{task.Target}' and Source '{task.Source}' share the server address {shared}; a task must copy between two different clusters");
            }
            else if (string.Equals(source.ClusterId ?? task.Source, target.ClusterId ?? task.Target, StringComparison.Ordinal))
            {
                errors.Add($"{prefix}:Target: the ClusterId '{target.ClusterId ?? task.Target}' of Target equals Source's; replicas could not tell where they came from");
            }

            if (task.Config.Enabled && task.Config.Mode == ConfigSyncMode.Database)
            {
                if (source.Database is null)
                {
                    errors.Add($"Clusters:{task.Source}:Database: missing; task '{key}' reads configs from the source database (Config:Mode Database); add a Database or disable Config");
                }

                if (target.Database is null)
                {
                    errors.Add($"Clusters:{task.Target}:Database: missing; task '{key}' writes configs to the target database (Config:Mode Database); add one, or set Config:Mode to Api");
                }
            }
            else if (task.Config.Enabled && source.Database is null)
            {
                errors.Add($"Clusters:{task.Source}:Database: missing; task '{key}' reads configs from the source database even in Config:Mode Api; add a Database or disable Config");
            }

            // Auth needs no database: a side without one is read (users with their hashes, roles, permissions) or written
            // (roles and permissions only) through its auth API, and each user API mode cannot copy is named at run time.
        }

        errors.AddRange(task.Naming.Heartbeat.Errors(prefix + ":Naming:Heartbeat", options.HighAvailability));
        errors.AddRange(ReplicaHoldingRules.Errors(prefix, task, options));
        if (!task.Naming.Enabled && !task.Config.Enabled && !task.Auth.Enabled)
        {
            errors.Add($"{prefix}: Naming:Enabled, Config:Enabled and Auth:Enabled are all false; enable at least one or set Enabled to false");
        }

        foreach (var (from, to) in task.Namespaces)
        {
            if (string.IsNullOrWhiteSpace(from) || string.IsNullOrWhiteSpace(to))
            {
                errors.Add($"{prefix}:Namespaces: '{from}' → '{to}' has a blank namespace id; write the public namespace as 'public'");
            }
        }

        var targets = task.Namespaces.Values.GroupBy(v => v, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        foreach (var duplicate in targets)
        {
            errors.Add($"{prefix}:Namespaces: more than one source namespace maps to '{duplicate}'; each target namespace may have one source");
        }

        foreach (var (from, to) in task.Groups)
        {
            if (string.IsNullOrWhiteSpace(from) || string.IsNullOrWhiteSpace(to))
            {
                errors.Add($"{prefix}:Groups: '{from}' → '{to}' has a blank group name");
            }
        }

        // Two source groups in one target group: the copies of one look like strays of the other, and every
        // full run would add and then delete the same objects. (A source group that merely bears a mapped target
        // group's name is not copied and is reported at run time: docs/config.md.)
        foreach (var shared in task.Groups.GroupBy(g => g.Value, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            errors.Add($"{prefix}:Groups: {string.Join(", ", shared.Select(g => $"'{g.Key}'").Order(StringComparer.Ordinal))} all map to '{shared.Key}'; each target group may have one source group, or every full run would add and then delete the same configs");
        }

        if (_cronError?.Invoke(task.Schedule.FullCron) is { } cronProblem)
        {
            errors.Add($"{prefix}:Schedule:FullCron: '{task.Schedule.FullCron}' is not a Quartz cron expression ({cronProblem}); e.g. '0 0/10 * * * ?'");
        }

        if (task.Schedule.IncrementalInterval < TimeSpan.FromMilliseconds(100) || task.Schedule.IncrementalInterval > TimeSpan.FromHours(1))
        {
            errors.Add($"{prefix}:Schedule:IncrementalInterval: '{Format(task.Schedule.IncrementalInterval)}' must be from 00:00:00.1 to 01:00:00");
        }

        if (double.IsNaN(task.Guards.MaxDeletionRatio) || task.Guards.MaxDeletionRatio < 0 || task.Guards.MaxDeletionRatio > 1)
        {
            errors.Add($"{prefix}:Guards:MaxDeletionRatio: '{task.Guards.MaxDeletionRatio.ToString(CultureInfo.InvariantCulture)}' must be from 0 to 1 (a share of the task's replicas)");
        }

        if (double.IsNaN(task.Guards.MaxDeletionRatioPerWindow) || task.Guards.MaxDeletionRatioPerWindow < 0 || task.Guards.MaxDeletionRatioPerWindow > 1)
        {
            errors.Add($"{prefix}:Guards:MaxDeletionRatioPerWindow: '{task.Guards.MaxDeletionRatioPerWindow.ToString(CultureInfo.InvariantCulture)}' must be from 0 to 1 (a share of the task's replicas)");
        }

        if (task.Guards.DeletionWindow < TimeSpan.Zero || task.Guards.DeletionWindow > TimeSpan.FromDays(1))
        {
            errors.Add($"{prefix}:Guards:DeletionWindow: '{Format(task.Guards.DeletionWindow)}' must be from 00:00:00 (off) to 1.00:00:00");
        }

        if (task.Guards.RemovalGrace < TimeSpan.Zero || task.Guards.RemovalGrace > TimeSpan.FromHours(1))
        {
            errors.Add($"{prefix}:Guards:RemovalGrace: '{Format(task.Guards.RemovalGrace)}' must be from 00:00:00 to 01:00:00");
        }

        if (task.Guards.DeletionAllowance < 0)
        {
            errors.Add($"{prefix}:Guards:DeletionAllowance: '{task.Guards.DeletionAllowance}' must be 0 or more");
        }

        if (task.Canary.Enabled && (task.Canary.Interval < TimeSpan.FromSeconds(1) || task.Canary.Interval > TimeSpan.FromSeconds(14)))
        {
            errors.Add($"{prefix}:Canary:Interval: '{Format(task.Canary.Interval)}' must be from 00:00:01 to 00:00:14 (the canary instance is ephemeral and turns unhealthy after 15 s)");
        }

        if (task.Canary.Enabled && string.IsNullOrWhiteSpace(task.Canary.Group))
        {
            errors.Add($"{prefix}:Canary:Group: blank; give the group the canary instance and config live in, e.g. NACOS_SYNC_CANARY");
        }

        if (task.Config.VerifyDeadline <= TimeSpan.Zero || task.Config.VerifyDeadline > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{prefix}:Config:VerifyDeadline: '{Format(task.Config.VerifyDeadline)}' must be more than 0 and at most 00:10:00");
        }

        if (task.Config.PublishUpTo is < 0 or > ConfigPublishUpToMax)
        {
            errors.Add($"{prefix}:Config:PublishUpTo: {task.Config.PublishUpTo.ToString(CultureInfo.InvariantCulture)} must be from 0 (always write the database) to {ConfigPublishUpToMax.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private static ClusterOptions? LookUpCluster(string key, string name, NacosSyncOptions options, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add($"{key}: missing; name one of the clusters: {Known(options)}");
            return null;
        }

        if (!options.Clusters.TryGetValue(name, out var cluster))
        {
            errors.Add($"{key}: '{name}' is not a configured cluster; known clusters: {Known(options)}");
            return null;
        }

        return cluster;
    }

    private static bool SharesAddress(ClusterOptions a, ClusterOptions b, out string shared)
    {
        var left = a.ServerAddresses.Select(s => ServerAddress.TryParse(s, out var p) ? p.Authority : s).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var address in b.ServerAddresses)
        {
            var authority = ServerAddress.TryParse(address, out var p) ? p.Authority : address;
            if (left.Contains(authority))
            {
                shared = authority;
                return true;
            }
        }

        shared = "";
        return false;
    }

    private static void ValidateDatabase(string key, DatabaseOptions database, bool required, List<string> errors)
    {
        var hasInline = !string.IsNullOrWhiteSpace(database.ConnectionString);
        var hasFile = !string.IsNullOrWhiteSpace(database.ConnectionStringFile);
        if (hasInline && hasFile)
        {
            errors.Add($"{key}: both ConnectionString and ConnectionStringFile are set; set one");
        }
        else if (!hasInline && !hasFile && required)
        {
            errors.Add($"{key}:ConnectionString: missing; set ConnectionString (or ConnectionStringFile, or NACOSSYNC__{key.Replace(":", "__", StringComparison.Ordinal)}__ConnectionString) to a MySQL database for NacosSync's state");
        }
    }

    private static string Known(NacosSyncOptions options) =>
        options.Clusters.Count == 0 ? "(none)" : string.Join(", ", options.Clusters.Keys.Order(StringComparer.Ordinal));

    private static string Format(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
