namespace NacosSync.Cli.Commands;

/// <summary>The documented exit codes of every command (README: "Exit codes").</summary>
internal static class ExitCodes
{
    /// <summary>In sync / stopped cleanly.</summary>
    public const int Success = 0;

    /// <summary>Applied, but some changes failed (or verify found differences).</summary>
    public const int Failures = 1;

    /// <summary>Usage or configuration error; nothing was done.</summary>
    public const int UsageError = 2;

    /// <summary>A safety guard refused the deletions; rerun with --allow-deletions to allow them once.</summary>
    public const int GuardRefused = 3;

    /// <summary>A cluster or database could not be reached.</summary>
    public const int Unreachable = 4;
}
