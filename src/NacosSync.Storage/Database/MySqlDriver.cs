using System.Collections;
using System.Data.Common;
using System.Reflection;
using MySql.Data.MySqlClient;

namespace NacosSync.Storage.Database;

/// <summary>
/// The one place that names the MySQL driver (MySql.Data). Everything else speaks
/// <see cref="System.Data.Common"/> and Dapper, so the driver can be swapped here alone.
/// </summary>
internal static class MySqlDriver
{
    static MySqlDriver() => TeachDriverUtf8Mb3();

    /// <summary>Checks a connection string and returns it with the settings NacosSync relies on.</summary>
    /// <exception cref="ArgumentException">The string cannot be parsed or asks for a charset other than utf8mb4.</exception>
    public static string Normalize(string connectionString)
    {
        MySqlConnectionStringBuilder builder;
        try
        {
            builder = new MySqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            // The driver's message may quote the string; keep the password out of it.
            throw new ArgumentException($"the MySQL connection string cannot be parsed: {ex.GetType().Name}", nameof(connectionString));
        }

        if (string.IsNullOrEmpty(builder.CharacterSet))
        {
            // Without it non-Latin content is silently mangled (Nacos reference §4).
            builder.CharacterSet = "utf8mb4";
        }
        else if (!string.Equals(builder.CharacterSet, "utf8mb4", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                $"the MySQL connection string sets CharSet={builder.CharacterSet}; NacosSync needs CharSet=utf8mb4 so non-Latin content survives",
                nameof(connectionString));
        }

        return builder.ConnectionString;
    }

    /// <summary>Host, port and database of a connection string, never the password.</summary>
    public static string Describe(string connectionString)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString);
        return $"{builder.Server}:{builder.Port}/{builder.Database}";
    }

    /// <summary>The same server and credentials with another default database.</summary>
    public static string WithDatabase(string connectionString, string database)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString) { Database = database };
        return builder.ConnectionString;
    }

    public static DbConnection CreateConnection(string connectionString) => new MySqlConnection(connectionString);

    /// <summary>
    /// MySql.Data 8.0.16 predates the charset name <c>utf8mb3</c>, which MariaDB 10.6+ and MySQL
    /// 8.0.30+ report for system columns (SHOW WARNINGS, information_schema, @@variables). Reading
    /// any such column throws "Character set 'utf8mb3' is not supported". The driver's private
    /// name→encoding map is taught that utf8mb3 is its old "utf8". Newer drivers know the name and
    /// are left as they are.
    /// </summary>
    private static void TeachDriverUtf8Mb3()
    {
        var map = typeof(MySqlConnection).Assembly.GetType("MySql.Data.MySqlClient.CharSetMap");
        var mapping = map?.GetField("_mapping", BindingFlags.Static | BindingFlags.NonPublic)?.GetValue(null) as IDictionary;
        var lockObject = map?.GetField("LockObject", BindingFlags.Static | BindingFlags.NonPublic)?.GetValue(null);
        if (mapping is null || lockObject is null)
        {
            return;
        }

        lock (lockObject)
        {
            if (!mapping.Contains("utf8mb3") && mapping.Contains("utf8"))
            {
                mapping["utf8mb3"] = mapping["utf8"];
            }
        }
    }

    /// <summary>Sorts a driver exception into the cases the sync code handles differently.</summary>
    public static DbErrorKind Classify(DbException exception) => exception switch
    {
        MySqlException { Number: 1062 } => DbErrorKind.DuplicateKey,
        // 1366 incorrect string value, 1406 data too long: the row cannot be stored as it is.
        MySqlException { Number: 1366 or 1406 or 1265 } => DbErrorKind.ValueNotStorable,
        MySqlException { Number: 1213 or 1205 } => DbErrorKind.Transient,
        MySqlException { Number: 1045 or 1044 or 1142 } => DbErrorKind.AccessDenied,
        MySqlException { Number: 1042 or 0 } => DbErrorKind.Unreachable,
        _ => DbErrorKind.Other,
    };
}

/// <summary>What went wrong with a database call, independent of the driver.</summary>
public enum DbErrorKind
{
    Other,
    DuplicateKey,
    ValueNotStorable,
    Transient,
    AccessDenied,
    Unreachable,
}
