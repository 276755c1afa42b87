namespace NacosSync.IntegrationTests.Infrastructure;

/// <summary>Starts the shared servers once for the whole assembly (no namespace: applies to all tests).</summary>
[SetUpFixture]
#pragma warning disable CA1050 // NUnit applies a SetUpFixture to its namespace; the global one covers the assembly.
public sealed class IntegrationSetUp
#pragma warning restore CA1050
{
    [OneTimeSetUp]
    public void StartServers() => MariaDbServer.Start();

    [OneTimeTearDown]
    public void StopServers() => MariaDbServer.Stop();
}
