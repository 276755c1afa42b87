using NacosSync.Core.Filtering;

namespace NacosSync.Tests.Naming;

[TestFixture]
public sealed class NameFilterTests
{
    [TestCase("order*", "orders", true)]
    [TestCase("*-svc", "pay-svc", true)]
    [TestCase("a*b*c", "aXXbYYc", true)]
    [TestCase("a*b*c", "aXXbYY", false)]
    [TestCase("orders", "Orders", false)]
    [TestCase("*", "", true)]
    public void Glob_matches_star_as_any_run(string pattern, string text, bool expected) =>
        Assert.That(NameFilter.Glob(pattern, text), Is.EqualTo(expected), $"'{pattern}' vs '{text}'");

    [Test]
    public void Exclude_wins_over_include()
    {
        var filter = new NameFilter(["svc-*"], ["svc-internal*"]);

        Assert.That(filter.Matches("svc-a"), Is.True);
        Assert.That(filter.Matches("svc-internal-x"), Is.False, "excluded even though included");
        Assert.That(filter.Matches("other"), Is.False, "not included");
    }
}
