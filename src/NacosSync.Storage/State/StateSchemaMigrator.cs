using System.Reflection;
using Dapper;
using Microsoft.Extensions.Logging;
using NacosSync.Storage.Database;

namespace NacosSync.Storage.State;

/// <summary>
/// Creates and upgrades NacosSync's own tables from the versioned scripts embedded in this
/// assembly (<c>Migrations/NNN_name.sql</c>). Idempotent; replicas starting together serialize
/// on a named lock, so each script runs once.
/// </summary>
public sealed partial class StateSchemaMigrator(SqlDatabase database, ILogger<StateSchemaMigrator> logger)
{
    private const string LockName = "nacossync_migrate";

    /// <summary>The scripts in the order they apply, as (version, name, sql).</summary>
    internal static IReadOnlyList<(int Version, string Name, string Sql)> Scripts { get; } = LoadScripts();

    /// <summary>Applies every script not applied yet; returns how many it applied.</summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        await database.EnsureExistsAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        var locked = await connection.ExecuteScalarAsync<int?>(
            new CommandDefinition("SELECT GET_LOCK(@name, 60)", new { name = LockName }, cancellationToken: cancellationToken));
        if (locked != 1)
        {
            throw new InvalidOperationException($"could not take the migration lock '{LockName}' on {database.Description} within 60 s");
        }

        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                CREATE TABLE IF NOT EXISTS nacossync_schema_version (
                  version    INT          NOT NULL PRIMARY KEY,
                  name       VARCHAR(200) NOT NULL,
                  applied_at DATETIME(3)  NOT NULL
                ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
                """, cancellationToken: cancellationToken));

            var applied = (await connection.QueryAsync<int>(new CommandDefinition(
                "SELECT version FROM nacossync_schema_version", cancellationToken: cancellationToken))).ToHashSet();

            var count = 0;
            foreach (var (version, name, sql) in Scripts)
            {
                if (applied.Contains(version))
                {
                    continue;
                }

                // DDL commits implicitly in MySQL; scripts are written to be re-runnable (IF NOT EXISTS, or the condition
                // line of a DROP, which MySQL cannot write as IF EXISTS).
                if (RequiredIndex(sql) is { } index && !await IndexExistsAsync(connection, index.Table, index.Index, cancellationToken))
                {
                    LogNothingToDrop(logger, version, name, index.Table, index.Index);
                }
                else
                {
                    await connection.ExecuteAsync(new CommandDefinition(sql, cancellationToken: cancellationToken));
                }

                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO nacossync_schema_version (version, name, applied_at) VALUES (@version, @name, UTC_TIMESTAMP(3))",
                    new { version, name }, cancellationToken: cancellationToken));
                LogApplied(logger, version, name, database.Description);
                count++;
            }

            return count;
        }
        finally
        {
            await connection.ExecuteAsync(new CommandDefinition("SELECT RELEASE_LOCK(@name)", new { name = LockName }, cancellationToken: CancellationToken.None));
        }
    }

    /// <summary>
    /// The index a script drops, from its condition line <c>-- only-if-index-exists: table.index</c> (the script runs only
    /// while the index exists); null when the script has none.
    /// </summary>
    internal static (string Table, string Index)? RequiredIndex(string sql)
    {
        const string Marker = "-- only-if-index-exists:";
        foreach (var line in sql.AsSpan().EnumerateLines())
        {
            var trimmed = line.Trim();
            if (!trimmed.StartsWith(Marker, StringComparison.Ordinal))
            {
                continue;
            }

            var name = trimmed[Marker.Length..].Trim();
            var dot = name.IndexOf('.');
            if (dot <= 0 || dot == name.Length - 1 || name[(dot + 1)..].Contains('.'))
            {
                throw new FormatException($"the condition line '{trimmed}' must name one index as table.index");
            }

            return (name[..dot].ToString(), name[(dot + 1)..].ToString());
        }

        return null;
    }

    private static async Task<bool> IndexExistsAsync(System.Data.Common.DbConnection connection, string table, string index, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = @table AND index_name = @index",
            new { table, index }, cancellationToken: cancellationToken)) > 0;

    private static List<(int, string, string)> LoadScripts()
    {
        var assembly = typeof(StateSchemaMigrator).Assembly;
        var scripts = new List<(int, string, string)>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.Contains(".Migrations.", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal)))
        {
            var fileName = resource[(resource.IndexOf(".Migrations.", StringComparison.Ordinal) + ".Migrations.".Length)..];
            var version = int.Parse(fileName.AsSpan(0, fileName.IndexOf('_', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            scripts.Add((version, fileName, reader.ReadToEnd()));
        }

        scripts.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return scripts;
    }

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "State migration {Version} ({Name}) recorded as applied without running: the index {Table}.{Index} it drops is already gone")]
    private static partial void LogNothingToDrop(ILogger logger, int version, string name, string table, string index);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Applied state migration {Version} ({Name}) to {Database}")]
    private static partial void LogApplied(ILogger logger, int version, string name, string database);
}
