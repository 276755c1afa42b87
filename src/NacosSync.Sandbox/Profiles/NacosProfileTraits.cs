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
        V1ConsoleAnswersGone = false,
        V3AdminApi = false,
        V2OpenApi = false,
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
        V1ConsoleAnswersGone = true,
        V3AdminApi = true,
        V1GetMapsPublicTenant = false,
    };

    public static NacosProfileTraits For(NacosVersionProfile profile) => profile switch
    {
        NacosVersionProfile.V1_4 => V14,
        NacosVersionProfile.V2_2_0 => V220,
        NacosVersionProfile.V2_4 => V24,
        NacosVersionProfile.V2_5 => V25,
        NacosVersionProfile.V3_0 => V30,
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

    /// <summary>3.0: v1 console/admin endpoints answer HTTP 410.</summary>
    public required bool V1ConsoleAnswersGone { get; init; }

    /// <summary>3.0: admin API under <c>/nacos/v3/admin/...</c>.</summary>
    public required bool V3AdminApi { get; init; }

    /// <summary>2.x+: the v2 open API (<c>/nacos/v2/...</c>) answering <c>{"code":0,"message":"success","data":...}</c>.</summary>
    public required bool V2OpenApi { get; init; }

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
