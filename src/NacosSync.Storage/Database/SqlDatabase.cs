using System.Data.Common;

namespace NacosSync.Storage.Database;

/// <summary>
/// A MySQL database reached through one connection string. Opens pooled connections; callers use
/// Dapper on the <see cref="DbConnection"/> it returns.
/// </summary>
public sealed class SqlDatabase
{
    private readonly string _connectionString;

    /// <param name="connectionString">A MySQL connection string; <c>CharSet=utf8mb4</c> is added when absent.</param>
    public SqlDatabase(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _connectionString = MySqlDriver.Normalize(connectionString);
        Description = MySqlDriver.Describe(_connectionString);
    }

    /// <summary>host:port/database, safe to log.</summary>
    public string Description { get; }

    /// <summary>The full connection string, password included: for handing to configuration, never for logs.</summary>
    internal string ConnectionString => _connectionString;

    /// <summary>The driver's factory, for libraries that open their own connections (Quartz's job store).</summary>
    internal static DbProviderFactory ProviderFactory => MySqlDriver.Factory;

    /// <summary>The same server and credentials, another database.</summary>
    public SqlDatabase WithDatabase(string database) => new(MySqlDriver.WithDatabase(_connectionString, database));

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = MySqlDriver.CreateConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Creates the database this string names when it does not exist yet and the login may
    /// (<c>CREATE DATABASE IF NOT EXISTS … utf8mb4</c>); otherwise fails with a message naming the
    /// database and what to do.
    /// </summary>
    /// <exception cref="DatabaseMissingException">The database does not exist and cannot be created with this login.</exception>
    public async Task EnsureExistsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var probe = await OpenAsync(cancellationToken);
            return;
        }
        catch (DbException ex) when (Classify(ex) is DbErrorKind.UnknownDatabase or DbErrorKind.AccessDenied)
        {
            var name = MySqlDriver.DatabaseOf(_connectionString);
            if (string.IsNullOrEmpty(name))
            {
                throw;
            }

            await using var server = await new SqlDatabase(MySqlDriver.WithDatabase(_connectionString, "")).OpenAsync(cancellationToken);
            var exists = await ExistsAsync(server, name, cancellationToken);
            if (exists)
            {
                throw; // There, but this login may not use it: a grant is missing, not the database.
            }

            try
            {
                await using var create = server.CreateCommand();
                create.CommandText = $"CREATE DATABASE IF NOT EXISTS `{name.Replace("`", "``", StringComparison.Ordinal)}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (DbException denied) when (Classify(denied) is DbErrorKind.AccessDenied)
            {
                throw new DatabaseMissingException(
                    $"the database '{name}' does not exist on {Description} and this login may not create it: "
                    + $"create it (CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin) and grant the login ALL on it, or point the connection string at an existing database",
                    denied);
            }
        }
    }

    private static async Task<bool> ExistsAsync(DbConnection server, string name, CancellationToken cancellationToken)
    {
        await using var command = server.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = @name";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@name";
        parameter.Value = name;
        command.Parameters.Add(parameter);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    public static DbErrorKind Classify(DbException exception) => MySqlDriver.Classify(exception);

    public override string ToString() => Description;
}

/// <summary>A database the configuration names does not exist and cannot be created; the message says what to do.</summary>
public sealed class DatabaseMissingException : DbException
{
    public DatabaseMissingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DatabaseMissingException()
    {
    }

    public DatabaseMissingException(string message)
        : base(message)
    {
    }
}
