namespace NacosSync.Sandbox;

#pragma warning disable CA1707 // Names with underscores read as version numbers (V2_2_0 = 2.2.0); the public contract fixes them.

/// <summary>The Nacos server line a sandbox cluster imitates (reference §1).</summary>
public enum NacosVersionProfile
{
    /// <summary>1.4.8: ephemeral and persistent instances mix; real checksum; <c>dataChange</c>; no dump-change worker.</summary>
    V1_4,

    /// <summary>2.2.0: no mixing; <c>dataChange</c>; no dump-change worker; encrypted_data_key TEXT NOT NULL.</summary>
    V2_2_0,

    /// <summary>2.4.3, the main target: no <c>dataChange</c>; 30 s dump-change worker (cluster mode).</summary>
    V2_4,

    /// <summary>2.5.1: as 2.4 plus <c>config_info_gray</c> instead of beta/tag tables.</summary>
    V2_5,

    /// <summary>3.0.3: public namespace id <c>public</c> everywhere; v1 console/admin endpoints answer 410; v3 admin API.</summary>
    V3_0,

    /// <summary>3.1.0: as 3.0; auth as shipped (admin and console auth on, identity required, no default user).</summary>
    V3_1,

    /// <summary>3.2.0: every <c>/nacos/v1/...</c> and <c>/nacos/v2/...</c> path 404 but v1 login; v3 client and admin API only.</summary>
    V3_2,

    /// <summary>3.3.0: as 3.2, and client APIs need a token unless auth is explicitly switched off.</summary>
    V3_3,
}
#pragma warning restore CA1707
