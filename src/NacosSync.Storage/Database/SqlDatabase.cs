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

    public static DbErrorKind Classify(DbException exception) => MySqlDriver.Classify(exception);

    public override string ToString() => Description;
}
