using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using NacosSync.Storage.State;

namespace NacosSync.IntegrationTests.Infrastructure;

/// <summary>The state database need not exist beforehand (issue 9, defect 20).</summary>
[TestFixture]
internal sealed class StateDatabaseCreationTests
{
    [Test]
    public async Task A_state_database_that_does_not_exist_is_created_at_start_when_the_login_may()
    {
        var name = $"t_missing_{Environment.ProcessId}_{Guid.NewGuid():N}"[..40];
        var database = MariaDbServer.Root.WithDatabase(name);

        var applied = await new StateSchemaMigrator(database, NullLogger<StateSchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);

        await using var connection = await MariaDbServer.Root.OpenAsync(CancellationToken.None);
        var charset = await connection.ExecuteScalarAsync<string>(
            "SELECT default_character_set_name FROM information_schema.schemata WHERE schema_name = @name", new { name });
        await connection.ExecuteAsync($"DROP DATABASE IF EXISTS `{name}`");
        Assert.Multiple(() =>
        {
            Assert.That(applied, Is.EqualTo(StateSchemaMigrator.Scripts.Count), "the tables are created in the new database");
            Assert.That(charset, Is.EqualTo("utf8mb4"), "created with the charset the tables need");
        });
    }

    [Test]
    public async Task A_login_that_may_not_create_it_fails_naming_the_database_and_what_to_do()
    {
        var user = $"u{Guid.NewGuid():N}"[..16];
        await using (var admin = await MariaDbServer.Root.OpenAsync(CancellationToken.None))
        {
            await admin.ExecuteAsync($"CREATE USER '{user}'@'%' IDENTIFIED BY 'pw'");
        }

        var limited = new NacosSync.Storage.Database.SqlDatabase(
            MariaDbServer.ConnectionString.Replace("User ID=nacossync", $"User ID={user}", StringComparison.Ordinal)
                .Replace(PasswordOf(MariaDbServer.ConnectionString), "Password=pw", StringComparison.Ordinal) + ";Database=nacossync_absent");
        try
        {
            var exception = Assert.ThrowsAsync(Is.InstanceOf<DbException>(),
                () => new StateSchemaMigrator(limited, NullLogger<StateSchemaMigrator>.Instance).MigrateAsync(CancellationToken.None));

            Assert.That(exception!.Message, Does.Contain("'nacossync_absent' does not exist").And.Contain("CREATE DATABASE"),
                "names the database and how to create it");
        }
        finally
        {
            await using var admin = await MariaDbServer.Root.OpenAsync(CancellationToken.None);
            await admin.ExecuteAsync($"DROP USER '{user}'@'%'");
        }
    }

    private static string PasswordOf(string connectionString) =>
        connectionString.Split(';').Single(p => p.StartsWith("Password=", StringComparison.Ordinal));
}
