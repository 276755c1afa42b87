using System.Data;
using System.Data.Common;
using MySqlConnector;

namespace NacosSync.Storage.Database;

/// <summary>
/// The one place that names the MySQL driver (MySqlConnector). Everything else speaks
/// <see cref="System.Data.Common"/> and Dapper, so the driver can be swapped here alone.
/// </summary>
internal static class MySqlDriver
{
    public static DbProviderFactory Factory => MySqlConnectorFactory.Instance;

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

        // Nacos tables hold no GUIDs: a CHAR(36) column stays a string.
        builder.GuidFormat = MySqlGuidFormat.None;
        return builder.ConnectionString;
    }

    /// <summary>Host, port and database of a connection string, never the password.</summary>
    public static string Describe(string connectionString)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString);
        return $"{builder.Server}:{builder.Port}/{builder.Database}";
    }

    /// <summary>The database a connection string names, or empty.</summary>
    public static string DatabaseOf(string connectionString) => new MySqlConnectionStringBuilder(connectionString).Database;

    /// <summary>The same server and credentials with another default database.</summary>
    public static string WithDatabase(string connectionString, string database)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString) { Database = database };
        return builder.ConnectionString;
    }

    public static DbConnection CreateConnection(string connectionString) => new MySqlConnection(connectionString);

    /// <summary>
    /// A parameter typed once as text or a time: a parameter without a type infers one each time its value is set, and
    /// typing it by <see cref="DbType"/> searches the driver's whole type map; by the driver's own type it is one lookup.
    /// Reused across many values (the kept set's upserts), that search had been a fortieth of the daemon's CPU.
    /// </summary>
    public static DbParameter TypedParameter(DbCommand command, bool time)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parameter = command.CreateParameter();
        if (parameter is MySqlParameter mysql)
        {
            mysql.MySqlDbType = time ? MySqlDbType.DateTime : MySqlDbType.VarChar;
        }
        else
        {
            parameter.DbType = time ? DbType.DateTime : DbType.String;
        }

        return parameter;
    }

    /// <summary>Sorts a driver exception into the cases the sync code handles differently.</summary>
    public static DbErrorKind Classify(DbException exception) => exception is not MySqlException mysql ? DbErrorKind.Other : mysql.ErrorCode switch
    {
        MySqlErrorCode.DuplicateKeyEntry => DbErrorKind.DuplicateKey,
        // Incorrect string value, data too long, data truncated: the row cannot be stored as it is.
        MySqlErrorCode.TruncatedWrongValueForField or MySqlErrorCode.DataTooLong or MySqlErrorCode.WarningDataTruncated => DbErrorKind.ValueNotStorable,
        MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout => DbErrorKind.Transient,
        MySqlErrorCode.AccessDenied or MySqlErrorCode.DatabaseAccessDenied or MySqlErrorCode.TableAccessDenied => DbErrorKind.AccessDenied,
        MySqlErrorCode.UnknownDatabase => DbErrorKind.UnknownDatabase,
        MySqlErrorCode.UnableToConnectToHost or MySqlErrorCode.None => DbErrorKind.Unreachable,
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
    UnknownDatabase,
}
