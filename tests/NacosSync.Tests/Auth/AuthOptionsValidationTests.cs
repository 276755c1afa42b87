using NacosSync.Core.Options;

namespace NacosSync.Tests.Auth;

[TestFixture]
internal sealed class AuthOptionsValidationTests
{
    [Test]
    public void The_auth_kind_without_a_target_database_starts_in_api_mode()
    {
        var options = new NacosSyncOptions { State = { Database = { ConnectionString = "Server=10.0.2.1;Database=s;User ID=s;Password=p" } } };
        options.Clusters["a"] = new ClusterOptions { ServerAddresses = ["10.0.0.1:8848"], Database = new DatabaseOptions { ConnectionString = "Server=10.0.0.1;Database=n;User ID=n;Password=p" } };
        options.Clusters["b"] = new ClusterOptions { ServerAddresses = ["10.0.1.1:8848"] };
        options.Tasks["t"] = new SyncTaskOptions
        {
            Source = "a", Target = "b", Naming = { Enabled = false }, Config = { Enabled = false }, Auth = { Enabled = true },
        };
        var result = new NacosSyncOptionsValidator().Validate(null, options);
        var errors = result.Failed ? result.Failures.ToList() : [];
        Assert.Multiple(() =>
        {
            Assert.That(errors, Is.Empty, "API mode: roles and permissions go through the target's auth API; the users it cannot copy are named at run time");
            Assert.That(errors, Has.None.Contains("are all false"), "a task with only the auth kind is a task");
        });
    }
}
