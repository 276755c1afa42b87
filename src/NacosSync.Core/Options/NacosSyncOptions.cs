namespace NacosSync.Core.Options;

/// <summary>
/// The root of <c>config/nacos-sync.json</c>. Every key can be overridden by an environment
/// variable <c>NACOSSYNC__Key__SubKey</c> (for example <c>NACOSSYNC__Clusters__source__Password</c>).
/// </summary>
public sealed class NacosSyncOptions
{
    /// <summary>Named clusters, referred to by tasks. At least two.</summary>
    public Dictionary<string, ClusterOptions> Clusters { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Named sync tasks. At least one.</summary>
    public Dictionary<string, SyncTaskOptions> Tasks { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Where NacosSync keeps its checkpoints, task leases and Quartz's tables.</summary>
    public StateOptions State { get; set; } = new();

    /// <summary>The daemon's HTTP endpoint: health, metrics, admin.</summary>
    public EndpointOptions Endpoint { get; set; } = new();

    /// <summary>Several replicas on one state database (clustered Quartz store, task leases). Default on.</summary>
    public HighAvailabilityOptions HighAvailability { get; set; } = new();
}

/// <summary>One Nacos cluster, as a source or a target.</summary>
public sealed class ClusterOptions
{
    /// <summary>
    /// A stable id written into every replica's metadata as its origin. Default: the cluster's key
    /// in <see cref="NacosSyncOptions.Clusters"/>. Changing it orphans existing replicas (see README).
    /// </summary>
    public string? ClusterId { get; set; }

    /// <summary>Node addresses, <c>host:port</c> or <c>http(s)://host:port</c>. Required.</summary>
    public List<string> ServerAddresses { get; set; } = [];

    /// <summary>Default <c>/nacos</c>.</summary>
    public string ContextPath { get; set; } = "/nacos";

    /// <summary>Login user; empty when auth is off. Default empty.</summary>
    public string? Username { get; set; }

    /// <summary>Login password. Prefer <see cref="PasswordFile"/> or the environment variable.</summary>
    public string? Password { get; set; }

    /// <summary>A file whose trimmed content is the password.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>Server identity header name (<c>nacos.core.auth.server.identity.key</c>); needed for cache refresh on secured 2.3+ clusters.</summary>
    public string? IdentityKey { get; set; }

    /// <summary>Server identity header value.</summary>
    public string? IdentityValue { get; set; }

    /// <summary>A file whose trimmed content is the identity value.</summary>
    public string? IdentityValueFile { get; set; }

    /// <summary>The cluster's Nacos MySQL database; needed for config sync in database mode.</summary>
    public DatabaseOptions? Database { get; set; }

    /// <summary>Per-request timeout. Default 5 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How the daemon speaks to the cluster where both would do: <see cref="ClusterTransport.Auto"/>
    /// (gRPC on 2.x/3.x when the gRPC port answers, else HTTP), <see cref="ClusterTransport.Http"/> or
    /// <see cref="ClusterTransport.Grpc"/> (fails the run, naming the cluster, when gRPC cannot be used).
    /// 1.4 has no gRPC. Default Auto.
    /// </summary>
    public ClusterTransport Transport { get; set; } = ClusterTransport.Auto;

    /// <summary>gRPC port = each node's HTTP port + this (Nacos's <c>nacos.server.grpc.port.offset</c>). Default 1000.</summary>
    public int GrpcPortOffset { get; set; } = 1000;
}

/// <summary>How the daemon speaks to one cluster (<see cref="ClusterOptions.Transport"/>).</summary>
public enum ClusterTransport
{
    /// <summary>gRPC on 2.x/3.x when the gRPC port answers, else HTTP.</summary>
    Auto,

    /// <summary>HTTP only (today's model on every line).</summary>
    Http,

    /// <summary>gRPC for what it serves; a cluster without gRPC fails the run by name.</summary>
    Grpc,
}

/// <summary>A MySQL connection. The string needs <c>CharSet=utf8mb4</c> (added when absent).</summary>
public sealed class DatabaseOptions
{
    /// <summary>The connection string. Prefer <see cref="ConnectionStringFile"/> for one with a password.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>A file whose trimmed content is the connection string.</summary>
    public string? ConnectionStringFile { get; set; }
}

/// <summary>What one task copies from its source to its target, and how.</summary>
public sealed class SyncTaskOptions
{
    /// <summary>Key of the source cluster. Required.</summary>
    public string Source { get; set; } = "";

    /// <summary>Key of the target cluster. Required; must differ from the source.</summary>
    public string Target { get; set; } = "";

    /// <summary>Default true. A disabled task is validated but never scheduled.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Source namespace id → target namespace id. <c>public</c> names the public namespace on both
    /// sides whatever its id in that version. Empty (the default): every source namespace, same id.
    /// </summary>
    public Dictionary<string, string> Namespaces { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Source group → target group. Default empty: same group.</summary>
    public Dictionary<string, string> Groups { get; set; } = new(StringComparer.Ordinal);

    public NamingSyncOptions Naming { get; set; } = new();

    public ConfigSyncOptions Config { get; set; } = new();

    public AuthSyncOptions Auth { get; set; } = new();

    public ScheduleOptions Schedule { get; set; } = new();

    public GuardOptions Guards { get; set; } = new();

    public CanaryOptions Canary { get; set; } = new();
}

/// <summary>
/// The heartbeat-row pattern of database replication: a marker written in the source's public
/// namespace at an interval (an instance of service <c>nacos-sync-canary-&lt;task&gt;</c> and a
/// config of the same dataId, in <see cref="Group"/>) and timed until it is visible in the target,
/// so lag is measured even when nothing else changes. The group must pass the task's filters.
/// </summary>
public sealed class CanaryOptions
{
    /// <summary>Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>How often a new marker is written. Default 10 s (at most 14 s, so the canary instance stays healthy).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Group of the canary instance and config. Default <c>NACOS_SYNC_CANARY</c>.</summary>
    public string Group { get; set; } = "NACOS_SYNC_CANARY";
}

/// <summary>Include / exclude patterns: <c>*</c> matches any run of characters. Empty include = all.</summary>
public sealed class FilterOptions
{
    public List<string> Include { get; set; } = [];

    public List<string> Exclude { get; set; } = [];
}

/// <summary>How replicas of source instances live in the target.</summary>
public enum ReplicaMode
{
    /// <summary>Ephemeral replicas kept alive by the daemon's heartbeats (the default).</summary>
    Ephemeral,

    /// <summary>Persistent replicas; health mirrored where the target version allows.</summary>
    Persistent,
}

/// <summary>How ephemeral replicas are held in the target (<see cref="NamingSyncOptions.ReplicaHolding"/>; docs/naming.md).</summary>
public enum ReplicaHolding
{
    /// <summary>Registered over HTTP and kept alive by the daemon's heartbeats, every replica beaten every interval (the default).</summary>
    Heartbeat,

    /// <summary>
    /// Held by the daemon's gRPC connection to the target (Nacos 2.x/3.x): one <c>batchRegisterInstance</c> per service
    /// carries all of its replicas, no beats. They vanish at once when the connection drops, unless a standby holds them too.
    /// </summary>
    Connection,
}

/// <summary>Service and instance sync.</summary>
public sealed class NamingSyncOptions
{
    /// <summary>Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Default <see cref="ReplicaMode.Ephemeral"/>.</summary>
    public ReplicaMode ReplicaMode { get; set; } = ReplicaMode.Ephemeral;

    /// <summary>
    /// How ephemeral replicas are held: <see cref="ReplicaHolding.Heartbeat"/> or <see cref="ReplicaHolding.Connection"/>
    /// (needs a 2.x/3.x target spoken to over gRPC). Default Heartbeat.
    /// </summary>
    public ReplicaHolding ReplicaHolding { get; set; } = ReplicaHolding.Heartbeat;

    /// <summary>Group filter. Default: all groups.</summary>
    public FilterOptions GroupFilter { get; set; } = new();

    /// <summary>Service name filter. Default: all services.</summary>
    public FilterOptions ServiceFilter { get; set; } = new();

    /// <summary>The heartbeat terms ephemeral replicas declare (metadata <c>preserved.*</c>). Defaults 5 s / 30 s / 60 s.</summary>
    public ReplicaHeartbeatOptions Heartbeat { get; set; } = new();
}

/// <summary>How config rows reach the target.</summary>
public enum ConfigSyncMode
{
    /// <summary>Table to table through both Nacos databases, then target caches refreshed and verified (the default).</summary>
    Database,

    /// <summary>Through the target's config API, for targets whose database cannot be reached.</summary>
    Api,
}

/// <summary>Config sync.</summary>
public sealed class ConfigSyncOptions
{
    /// <summary>Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Default <see cref="ConfigSyncMode.Database"/>.</summary>
    public ConfigSyncMode Mode { get; set; } = ConfigSyncMode.Database;

    /// <summary>Group filter. Default: all groups.</summary>
    public FilterOptions GroupFilter { get; set; } = new();

    /// <summary>dataId filter. Default: all.</summary>
    public FilterOptions DataIdFilter { get; set; } = new();

    /// <summary>
    /// When true the target mirrors the source: target configs absent from the source are deleted
    /// even if NacosSync did not write them. Default false: only configs NacosSync copied are deleted.
    /// </summary>
    public bool MirrorDeletes { get; set; }

    /// <summary>How long to wait for every target node to serve a written md5. Default 10 s.</summary>
    public TimeSpan VerifyDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Database mode, targets from 2.2.1 on (whose only cache refresh, <c>localCache</c>, re-reads every config row on every
    /// node): an incremental run with at most this many changed keys publishes its upserts through the target's config API
    /// instead of writing the rows, so each node reloads those keys only (the server notifies its nodes, as for any client
    /// write). Larger runs and full runs write the database and refresh once. A publish the API refuses falls back to the
    /// database write. 0: always write the database. Default 500.
    /// </summary>
    public int PublishUpTo { get; set; } = 500;
}

/// <summary>
/// Users, role bindings and permissions, table to table through both Nacos databases (issue 14). Off by default: it
/// changes who may log in to the target.
/// </summary>
public sealed class AuthSyncOptions
{
    /// <summary>Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// When true, target users, role bindings and permissions absent from the source are removed even if NacosSync did
    /// not create them (never the target's global admins or the daemon's own login). Default false: only what NacosSync created.
    /// </summary>
    public bool MirrorDeletes { get; set; }

    /// <summary>
    /// When true, a user both clusters have with another password hash or enabled flag is overwritten with the source's.
    /// Default false: reported (by name, never the hash) and left as it is, unless NacosSync created it.
    /// </summary>
    public bool OverwriteUsers { get; set; }

    /// <summary>
    /// When true, the source's global admins (role <c>ROLE_ADMIN</c>) are copied with their admin role. Default false:
    /// they would administer the target; they are reported as left alone.
    /// </summary>
    public bool CopyAdmins { get; set; }
}

/// <summary>When the jobs run.</summary>
public sealed class ScheduleOptions
{
    /// <summary>Quartz cron expression of the full job. Default every 10 minutes: <c>0 0/10 * * * ?</c>.</summary>
    public string FullCron { get; set; } = "0 0/10 * * * ?";

    /// <summary>Interval of the incremental job. Default 1 s.</summary>
    public TimeSpan IncrementalInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>What stops a run from deleting.</summary>
public sealed class GuardOptions
{
    /// <summary>
    /// The largest share of this task's replicas one run may remove. Default 0.2 (20 %).
    /// A run that would remove more removes nothing and reports.
    /// </summary>
    public double MaxDeletionRatio { get; set; } = 0.2;

    /// <summary>Removals always allowed per run regardless of the ratio (small tasks). Default 10.</summary>
    public int DeletionAllowance { get; set; } = 10;

    /// <summary>
    /// Whether a source namespace that reads empty while its replicas exist may be emptied in the
    /// target. Default false.
    /// </summary>
    public bool AllowEmptySource { get; set; }

    /// <summary>
    /// The largest share of what the task owned when a <see cref="DeletionWindow"/> began that all runs in
    /// that window together may remove. Default 0.3 (30 %). Stops a flapping source from draining the
    /// target a few runs at a time, each under <see cref="MaxDeletionRatio"/>.
    /// </summary>
    public double MaxDeletionRatioPerWindow { get; set; } = 0.3;

    /// <summary>The window of <see cref="MaxDeletionRatioPerWindow"/>. Default 10 minutes; zero turns the window cap off.</summary>
    public TimeSpan DeletionWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long an object must stay missing from the source before its copy is removed. Default 15 s: a
    /// source node or client that restarts re-registers within it, so its instances are never removed and
    /// re-added; a crashed source instance takes 30 s to vanish from the source anyway.
    /// </summary>
    public TimeSpan RemovalGrace { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>Where NacosSync's own state lives.</summary>
public sealed class StateOptions
{
    /// <summary>The state database (a MySQL database of its own). Required.</summary>
    public DatabaseOptions Database { get; set; } = new();
}

/// <summary>The daemon's HTTP endpoint.</summary>
public sealed class EndpointOptions
{
    /// <summary>Listen URL. Default <c>http://127.0.0.1:9898</c>.</summary>
    public string Url { get; set; } = "http://127.0.0.1:9898";

    /// <summary>Token required by the admin API (<c>/admin/...</c>). Unset: the admin API refuses every call.</summary>
    public string? AdminToken { get; set; }

    /// <summary>A file whose trimmed content is the admin token.</summary>
    public string? AdminTokenFile { get; set; }
}
