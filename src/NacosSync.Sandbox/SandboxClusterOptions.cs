using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NacosSync.Storage.Database;

namespace NacosSync.Sandbox;

/// <summary>How to start a <see cref="SandboxCluster"/>.</summary>
public sealed class SandboxClusterOptions
{
    /// <summary>Number of nodes, each on its own HTTP port. Default 1.</summary>
    public int Nodes { get; set; } = 1;

    /// <summary>The Nacos line to imitate. Default <see cref="NacosVersionProfile.V2_4"/>.</summary>
    public NacosVersionProfile Profile { get; set; } = NacosVersionProfile.V2_4;

    /// <summary>
    /// The MySQL database holding config (shared by all nodes). The sandbox creates the Nacos schema
    /// of <see cref="Profile"/> in it. Without one the config API answers 503 and only naming works.
    /// </summary>
    public SqlDatabase? Database { get; set; }

    /// <summary>One port per node; 0 or absent = chosen by the OS. Default: all 0.</summary>
    public IReadOnlyList<int>? Ports { get; set; }

    /// <summary>
    /// 3.x: the console port of each node (<c>nacos.console.port</c>, 8080 in Nacos); 0 or absent = chosen by the OS.
    /// Default: all 0.
    /// </summary>
    public IReadOnlyList<int>? ConsolePorts { get; set; }

    /// <summary>
    /// One gRPC port per node (2.x/3.x profiles); 0 or absent = HTTP port + 1000, as Nacos (with dynamic
    /// HTTP ports the sandbox picks an HTTP port whose +1000 is free). Default: all HTTP + 1000.
    /// </summary>
    public IReadOnlyList<int>? GrpcPorts { get; set; }

    /// <summary>The address the nodes bind to and report. Default 127.0.0.1.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>
    /// <c>nacos.core.auth.enabled</c>: require a token (login) or username/password on the client API (before 3.1: on
    /// every call but login and server state). Null = the profile's default: off, except on 3.3 where an absent
    /// setting means on. Default null.
    /// </summary>
    public bool? AuthEnabled { get; set; }

    /// <summary>
    /// 3.1+: <c>nacos.core.auth.admin.enabled</c> and <c>nacos.core.auth.console.enabled</c>: the admin API and the
    /// console need an admin token or the server identity header. Null = on, as shipped; then
    /// <see cref="IdentityKey"/> and <see cref="IdentityValue"/> are required, or the cluster refuses to start as Nacos
    /// does. Ignored before 3.1 (there <see cref="AuthEnabled"/> guards everything). Default null.
    /// </summary>
    public bool? AdminAuthEnabled { get; set; }

    /// <summary>
    /// The one (global admin) user when auth is on, before 3.1. Default nacos / nacos. With a <see cref="Database"/> it is
    /// written to its <c>users</c> table (bcrypt, ROLE_ADMIN) at start unless that user is there, and the tables decide
    /// who logs in. 3.1+ ships no user: create the admin with <c>POST /nacos/v3/auth/user/admin</c> (name <c>nacos</c>,
    /// the posted password).
    /// </summary>
    public string AdminUsername { get; set; } = "nacos";

    /// <inheritdoc cref="AdminUsername"/>
    public string AdminPassword { get; set; } = "nacos";

    /// <summary>Token lifetime reported as <c>tokenTtl</c> and enforced. Default 18000 s.</summary>
    public TimeSpan TokenTtl { get; set; } = TimeSpan.FromSeconds(18000);

    /// <summary>
    /// With a <see cref="Database"/>: how often (sandbox time) the cached <c>users</c>, <c>roles</c> and <c>permissions</c>
    /// are reloaded from it (NacosUserDetailsServiceImpl / NacosRoleServiceImpl <c>@Scheduled(fixedDelay = 15000)</c>);
    /// a user written to the table logs in after the next reload. Default 15 s.
    /// </summary>
    public TimeSpan AuthCacheReloadInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Server identity header name (<c>nacos.core.auth.server.identity.key</c>); null = none.</summary>
    public string? IdentityKey { get; set; }

    /// <summary>Server identity header value; a request carrying key: value skips auth.</summary>
    public string? IdentityValue { get; set; }

    /// <summary>The clock for expiry, tokens, <c>lastRefTime</c> and the dump-change schedule. Default system.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Speed of the sandbox clock relative to <see cref="TimeProvider"/>: 10 makes 15 s of expiry pass in
    /// 1.5 s. Default 1 (real time).
    /// </summary>
    public double TimeScale { get; set; } = 1.0;

    /// <summary>
    /// Period of the 2.3+ dump-change worker, in sandbox time; null or zero = off. Runs only when the
    /// profile has the worker and the cluster is not <see cref="Standalone"/>. Default 30 s.
    /// </summary>
    public TimeSpan? DumpChangeInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Standalone mode (reported by server state; no dump-change worker). Default false (cluster mode).</summary>
    public bool Standalone { get; set; }

    /// <summary>
    /// How often (real time) the background maintenance runs expiry, empty-service removal, push
    /// subscription lapse and the dump-change worker; null or zero = never (tests call
    /// <see cref="SandboxCluster.RunMaintenanceAsync"/>). Default 500 ms.
    /// </summary>
    public TimeSpan? MaintenancePeriod { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Ephemeral instance turns unhealthy after this long without a beat (sandbox time). Default 15 s.</summary>
    public TimeSpan InstanceHeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Ephemeral instance is deleted after this long without a beat (sandbox time). Default 30 s.</summary>
    public TimeSpan InstanceDeleteTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>An empty service is removed this long after its last change (sandbox time). Default 60 s.</summary>
    public TimeSpan EmptyServiceExpiry { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A UDP push subscription lapses when the list call is not repeated within this time. Default 10 s.</summary>
    public TimeSpan PushClientTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Where the sandbox logs node lifecycle and maintenance failures. Default: nowhere.</summary>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    internal void Validate()
    {
        if (Nodes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Nodes), Nodes, "a sandbox cluster needs at least one node");
        }

        if (Ports is not null && Ports.Count != Nodes)
        {
            throw new ArgumentException($"Ports has {Ports.Count} entries for {Nodes} nodes", nameof(Ports));
        }

        if (GrpcPorts is not null && GrpcPorts.Count != Nodes)
        {
            throw new ArgumentException($"GrpcPorts has {GrpcPorts.Count} entries for {Nodes} nodes", nameof(GrpcPorts));
        }

        if (TimeScale <= 0 || double.IsNaN(TimeScale) || double.IsInfinity(TimeScale))
        {
            throw new ArgumentOutOfRangeException(nameof(TimeScale), TimeScale, "the time scale must be a positive number");
        }

        if (ConsolePorts is not null && ConsolePorts.Count != Nodes)
        {
            throw new ArgumentException($"ConsolePorts has {ConsolePorts.Count} entries for {Nodes} nodes", nameof(ConsolePorts));
        }

        if (AuthEnabled == true && (string.IsNullOrEmpty(AdminUsername) || string.IsNullOrEmpty(AdminPassword)))
        {
            throw new ArgumentException("auth needs AdminUsername and AdminPassword", nameof(AdminUsername));
        }

        if (AuthCacheReloadInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(AuthCacheReloadInterval), AuthCacheReloadInterval, "the auth cache reload interval must be positive");
        }

        if ((IdentityKey is null) != (IdentityValue is null))
        {
            throw new ArgumentException("IdentityKey and IdentityValue go together", nameof(IdentityKey));
        }

        // NacosServerAdminAuthConfig.validate / NacosServerAuthConfig.validate: auth on without an identity stops the server.
        var traits = NacosProfileTraits.For(Profile);
        var authOn = (AuthEnabled ?? traits.ClientAuthByDefault) || AdminAuthEnabled != false;
        if (traits.ShippedAuth && authOn && (string.IsNullOrEmpty(IdentityKey) || string.IsNullOrEmpty(IdentityValue)))
        {
            throw new InvalidOperationException(
                $"Nacos {traits.Version} does not start with auth on and no server identity: Empty identity, Please set `nacos.core.auth.server.identity.key` "
                + "and `nacos.core.auth.server.identity.value`, detail: https://nacos.io/docs/latest/manual/admin/auth/ "
                + "(set IdentityKey and IdentityValue, or switch AuthEnabled and AdminAuthEnabled off)");
        }
    }
}
