using NacosSync.IntegrationTests.Infrastructure;

/// <summary>
/// Starts the shared servers once for the whole assembly. It has no namespace on purpose: NUnit
/// applies a SetUpFixture to the tests of its namespace, and the global namespace holds them all.
/// </summary>
[SetUpFixture]
#pragma warning disable CA1050 // Declare types in namespaces: see the summary.
public sealed class IntegrationSetUp
#pragma warning restore CA1050
{
    [OneTimeSetUp]
    public void StartServers() => MariaDbServer.Start();

    [OneTimeTearDown]
    public void StopServers() => MariaDbServer.Stop();
}
