using NacosSync.Core.Auth;
using NacosSync.Core.Options;
using NUnit.Framework;

namespace NacosSync.Tests.Auth;

[TestFixture]
public sealed class AuthApiPlanTests
{
    private static readonly AuthUser Alice = new("alice", "$2a$10$aliceHashFromTheSource", true);
    private static readonly AuthUser Bob = new("bob", "$2a$10$bobHashFromTheSource", true);

    [Test]
    public void Through_the_api_users_are_named_as_not_copied_and_only_what_the_target_can_take_is_kept()
    {
        var source = new AuthSnapshot([Alice, Bob], [new("ROLE_DEV", "alice"), new("ROLE_OPS", "bob")],
            [new("ROLE_DEV", "dev:*:*", "r"), new("ROLE_OPS", "ops:*:*", "rw")]);
        var target = new AuthSnapshot([Alice with { PasswordHash = "$2a$10$targetsOwn" }], [], []);
        var full = AuthPlanner.Plan(source, target, new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal),
            new AuthSyncOptions { Enabled = true }, ns => ns);

        var (plan, notCopied) = AuthApiPlan.Restrict(full, target, "dr");

        Assert.Multiple(() =>
        {
            Assert.That(plan.CreateUsers, Is.Empty, "no API creates a user from a hash");
            Assert.That(plan.AddRoles, Is.EqualTo(new[] { new AuthRoleBinding("ROLE_DEV", "alice") }), "alice is a user of the target: her binding can be added");
            Assert.That(plan.AddPermissions, Is.EqualTo(new[] { new AuthGrant("ROLE_DEV", "dev:*:*", "r") }), "ROLE_DEV will be held in the target");
            Assert.That(notCopied, Has.Some.StartsWith("user bob not copied").And.Some.Contains("bcrypt hash"), "bob is named with the reason");
            Assert.That(notCopied, Has.Some.StartsWith("role ROLE_OPS of bob not copied"), "his binding cannot go without him");
            Assert.That(notCopied, Has.Some.StartsWith("permission ROLE_OPS rw ops:*:* not copied").And.Some.Contains("nobody holds"), "nor his role's permission");
            Assert.That(plan.LeftAlone, Is.SupersetOf(notCopied), "the run reports them with what it left alone");
            Assert.That(string.Join(" ", notCopied), Does.Not.Contain("$2a$"), "never a hash");
        });
    }

    [Test]
    public void Through_the_api_a_copied_admin_binding_is_named_as_not_copied_not_attempted()
    {
        var source = new AuthSnapshot([Alice], [new(AuthPlanner.GlobalAdminRole, "alice")], []);
        var target = new AuthSnapshot([Alice], [], []);
        var full = AuthPlanner.Plan(source, target, new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal),
            new AuthSyncOptions { Enabled = true, CopyAdmins = true, OverwriteUsers = true }, ns => ns);

        var (plan, notCopied) = AuthApiPlan.Restrict(full, target, "dr");

        Assert.Multiple(() =>
        {
            Assert.That(full.AddRoles, Has.Some.Matches<AuthRoleBinding>(r => r.Role == AuthPlanner.GlobalAdminRole), "the plan wants the admin binding (CopyAdmins)");
            Assert.That(plan.AddRoles, Is.Empty, "Nacos's API refuses ROLE_ADMIN: the binding is not attempted");
            Assert.That(notCopied, Has.Some.Contains("refuses to grant ROLE_ADMIN"));
        });
    }
}
