namespace NacosSync.Sandbox;

/// <summary>How the encrypted_data_key column of the config tables is declared in a version.</summary>
public enum EncryptedDataKeyColumn
{
    /// <summary>No such column (1.4, 2.0).</summary>
    None,

    /// <summary>TEXT NOT NULL without a default (2.1–2.3): inserts must supply it.</summary>
    TextNotNull,

    /// <summary>varchar(1024) NOT NULL DEFAULT '' (2.4+).</summary>
    Varchar1024DefaultEmpty,
}

/// <summary>What a version does with the v1 and v2 HTTP APIs (reference §1, §8).</summary>
public enum LegacyHttpApi
{
    /// <summary>≤2.5: served.</summary>
    Served,

    /// <summary>3.0/3.1 as shipped: every v1/v2 console and admin endpoint answers 410 (<c>ApiCompatibilityFilter</c>); v1 client endpoints work.</summary>
    ConsoleAndAdminGone,

    /// <summary>3.2+: every <c>/nacos/v1/...</c> and <c>/nacos/v2/...</c> path is 404 except <c>/nacos/v1/auth/users/login</c>.</summary>
    Removed,
}

/// <summary>
/// Every behaviour that differs between the Nacos lines the sandbox imitates, in one place
/// (reference §1, §3, §4, §5). Obtain with <see cref="For"/>.
/// </summary>
public sealed record NacosProfileTraits
{
    private static readonly NacosProfileTraits V14 = new()
    {
        Profile = NacosVersionProfile.V1_4,
        Version = "1.4.8",
        EphemeralAndPersistentMayMix = true,
        RealChecksum = true,
        DataChangeEndpoint = true,
        DumpChangeWorker = false,
        PublicConfigTenant = "",
        PublicNamespaceId = "",
        V3AdminApi = false,
        V2OpenApi = false,
        LegacyApi = LegacyHttpApi.Served,
        V3ClientApi = false,
        ShippedAuth = false,
        ClientAuthByDefault = false,
        ConsolePort = false,
        EncryptedDataKey = EncryptedDataKeyColumn.None,
        HasBetaAndTagTables = true,
        HasGrayTable = false,
        SearchReturnsMd5 = true,
        LocalCacheNeedsAdmin = false,
    };

    private static readonly NacosProfileTraits V220 = V14 with
    {
        Profile = NacosVersionProfile.V2_2_0,
        Version = "2.2.0",
        EphemeralAndPersistentMayMix = false,
        RealChecksum = false,
        V2OpenApi = true,
        EncryptedDataKey = EncryptedDataKeyColumn.TextNotNull,
        V1GetMapsPublicTenant = true,
    };

    private static readonly NacosProfileTraits V24 = V220 with
    {
        Profile = NacosVersionProfile.V2_4,
        Version = "2.4.3",
        DataChangeEndpoint = false,
        DumpChangeWorker = true,
        EncryptedDataKey = EncryptedDataKeyColumn.Varchar1024DefaultEmpty,
        SearchReturnsMd5 = false,
        LocalCacheNeedsAdmin = true,
        DumpWorkerWedgesOnMassDeletes = true,
    };

    private static readonly NacosProfileTraits V25 = V24 with
    {
        Profile = NacosVersionProfile.V2_5,
        Version = "2.5.1",
        HasBetaAndTagTables = false,
        HasGrayTable = true,
        DumpWorkerWedgesOnMassDeletes = false,
    };

    private static readonly NacosProfileTraits V30 = V25 with
    {
        Profile = NacosVersionProfile.V3_0,
        Version = "3.0.3",
        PublicConfigTenant = "public",
        PublicNamespaceId = "public",
        V3AdminApi = true,
        V3ClientApi = true,
        ConsolePort = true,
        LegacyApi = LegacyHttpApi.ConsoleAndAdminGone,
        V1GetMapsPublicTenant = false,
    };

    private static readonly NacosProfileTraits V31 = V30 with
    {
        Profile = NacosVersionProfile.V3_1,
        Version = "3.1.0",
        LegacyApi = LegacyHttpApi.ConsoleAndAdminGone,
        ShippedAuth = true,
    };

    private static readonly NacosProfileTraits V32 = V31 with
    {
        Profile = NacosVersionProfile.V3_2,
        Version = "3.2.0",
        LegacyApi = LegacyHttpApi.Removed,
        V2OpenApi = false,
    };

    private static readonly NacosProfileTraits V33 = V32 with
    {
        Profile = NacosVersionProfile.V3_3,
        Version = "3.3.0",
        ClientAuthByDefault = true,
    };

    public static NacosProfileTraits For(NacosVersionProfile profile) => profile switch
    {
        NacosVersionProfile.V1_4 => V14,
        NacosVersionProfile.V2_2_0 => V220,
        NacosVersionProfile.V2_4 => V24,
        NacosVersionProfile.V2_5 => V25,
        NacosVersionProfile.V3_0 => V30,
        NacosVersionProfile.V3_1 => V31,
        NacosVersionProfile.V3_2 => V32,
        NacosVersionProfile.V3_3 => V33,
        _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "unknown Nacos version profile"),
    };

    public required NacosVersionProfile Profile { get; init; }

    /// <summary>What <c>/nacos/v1/console/server/state</c> reports as <c>version</c>.</summary>
    public required string Version { get; init; }

    /// <summary>1.4: one service may hold ephemeral and persistent instances; 2.x+: the first instance decides.</summary>
    public required bool EphemeralAndPersistentMayMix { get; init; }

    /// <summary>1.4: <c>instance/list</c> returns a real checksum; 2.x: always "".</summary>
    public required bool RealChecksum { get; init; }

    /// <summary>≤2.2.0: <c>GET /nacos/v1/cs/communication/dataChange</c> exists (404 later).</summary>
    public required bool DataChangeEndpoint { get; init; }

    /// <summary>2.3+: the 30 s DumpChangeConfigWorker (cluster mode only).</summary>
    public required bool DumpChangeWorker { get; init; }

    /// <summary>2.4: the dump-change worker wedges for good on 100+ 'D' history rows in one window.</summary>
    public bool DumpWorkerWedgesOnMassDeletes { get; init; }

    /// <summary>The config tenant_id of the public namespace: "" before 3.0, "public" on 3.0.</summary>
    public required string PublicConfigTenant { get; init; }

    /// <summary>
    /// 2.x: a v1 config GET with <c>tenant=public</c> reads the <c>""</c> tenant, while publish, delete,
    /// search and the listener address a literal <c>public</c> tenant (reference §3). 3.0: <c>public</c> is the public tenant everywhere.
    /// </summary>
    public bool V1GetMapsPublicTenant { get; init; }

    /// <summary>The id the namespace list reports for public: "" before 3.0, "public" on 3.0.</summary>
    public required string PublicNamespaceId { get; init; }

    /// <summary>3.0: admin API under <c>/nacos/v3/admin/...</c>.</summary>
    public required bool V3AdminApi { get; init; }

    /// <summary>2.x+: the v2 open API (<c>/nacos/v2/...</c>) answering <c>{"code":0,"message":"success","data":...}</c>.</summary>
    public required bool V2OpenApi { get; init; }

    /// <summary>What happens to the v1 and v2 HTTP APIs: served, partly or wholly 410, or removed (404).</summary>
    public required LegacyHttpApi LegacyApi { get; init; }

    /// <summary>3.0+: the v3 client API (<c>/nacos/v3/client/ns/instance</c>, <c>/nacos/v3/client/cs/config</c>).</summary>
    public required bool V3ClientApi { get; init; }

    /// <summary>
    /// 3.1+ as shipped (reference §8): admin and console auth on unless switched off, which needs the server
    /// identity key and value to start; no default user (the admin is created with <c>POST /nacos/v3/auth/user/admin</c>).
    /// Before, one admin user comes from the options.
    /// </summary>
    public required bool ShippedAuth { get; init; }

    /// <summary>3.3: an absent <c>nacos.core.auth.enabled</c> means true: client APIs need a token unless the options switch auth off.</summary>
    public required bool ClientAuthByDefault { get; init; }

    /// <summary>3.x: the console listens on its own port (<c>nacos.console.port</c>, 8080 by default), not on the server port.</summary>
    public required bool ConsolePort { get; init; }

    public required EncryptedDataKeyColumn EncryptedDataKey { get; init; }

    /// <summary>≤2.4: config_info_beta and config_info_tag exist.</summary>
    public required bool HasBetaAndTagTables { get; init; }

    /// <summary>2.5+: config_info_gray exists.</summary>
    public required bool HasGrayTable { get; init; }

    /// <summary>Config search page items carry md5 (null from 2.4 on).</summary>
    public required bool SearchReturnsMd5 { get; init; }

    /// <summary>2.3+: <c>localCache</c> needs an admin token or the server identity header when auth is on.</summary>
    public required bool LocalCacheNeedsAdmin { get; init; }
}
