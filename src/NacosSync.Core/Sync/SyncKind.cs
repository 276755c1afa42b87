namespace NacosSync.Core.Sync;

/// <summary>What a job copies.</summary>
public enum SyncKind
{
    Naming,
    Config,

    /// <summary>Users, role bindings and permissions (off by default).</summary>
    Auth,
}

/// <summary>Full diff of everything, or only what changed since the checkpoint.</summary>
public enum SyncMode
{
    Full,
    Incremental,
}

/// <summary>Where in a run an error happened; a metric label.</summary>
public enum SyncStage
{
    ReadSource,
    ReadTarget,
    Write,
    Refresh,
    Verify,
}

public static class SyncKindNames
{
    /// <summary>The lowercase name used in metrics, checkpoints and the CLI.</summary>
    public static string Name(this SyncKind kind) => kind switch
    {
        SyncKind.Naming => "naming",
        SyncKind.Config => "config",
        SyncKind.Auth => "auth",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static string Name(this SyncMode mode) => mode == SyncMode.Full ? "full" : "incremental";

    public static string Name(this SyncStage stage) => stage switch
    {
        SyncStage.ReadSource => "read_source",
        SyncStage.ReadTarget => "read_target",
        SyncStage.Write => "write",
        SyncStage.Refresh => "refresh",
        SyncStage.Verify => "verify",
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, null),
    };
}
