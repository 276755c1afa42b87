using NacosSync.Core.Auth;
using NacosSync.Core.Options;
using NUnit.Framework;

namespace NacosSync.Tests.Auth;

[TestFixture]
public sealed class AuthPlannerTests
{
    private static readonly AuthUser Alice = new("alice", "$2a$10$aliceHashFromTheSource........................", true);
    private static readonly AuthUser Root = new("root", "$2a$10$rootHash", true);

    private static readonly HashSet<string> NoneOwned = new(StringComparer.Ordinal);

    private static string? SameIds(string ns) => ns;

    private static AuthPlan Plan(AuthSnapshot source, AuthSnapshot target, IReadOnlySet<string>? owned = null, AuthSyncOptions? options = null,
        IReadOnlySet<string>? protectedUsers = null, Func<string, string?>? map = null) =>
        AuthPlanner.Plan(source, target, owned ?? NoneOwned, protectedUsers ?? new HashSet<string>(StringComparer.Ordinal), options ?? new AuthSyncOptions { Enabled = true }, map ?? SameIds);

    [Test]
    public void Source_users_roles_and_permissions_missing_in_the_target_are_created_with_the_hash_as_it_is()
    {
        var source = new AuthSnapshot([Alice], [new("ROLE_DEV", "alice")], [new("ROLE_DEV", "dev:*:*", "r")]);
        var plan = Plan(source, AuthSnapshot.Empty);
        Assert.Multiple(() =>
        {
            Assert.That(plan.CreateUsers, Is.EqualTo(new[] { Alice }), "the bcrypt hash is copied unchanged, so the source's password works in the target");
            Assert.That(plan.AddRoles, Is.EqualTo(new[] { new AuthRoleBinding("ROLE_DEV", "alice") }));
            Assert.That(plan.AddGrants(), Is.EqualTo(new[] { new AuthGrant("ROLE_DEV", "dev:*:*", "r") }));
            Assert.That(Alice.ToString(), Does.Not.Contain("$2a$"), "a user's text form never shows its hash (logs, errors, differences)");
        });
    }

    [Test]
    public void A_user_both_sides_have_with_another_hash_is_reported_and_left_alone_unless_overwriting_is_configured()
    {
        var native = Alice with { PasswordHash = "$2a$10$theTargetsOwn" };
        var kept = Plan(new AuthSnapshot([Alice], [], []), new AuthSnapshot([native], [], []));
        Assert.Multiple(() =>
        {
            Assert.That(kept.UpdateUsers, Is.Empty, "not ours: the target's own password stays");
            Assert.That(kept.Conflicts, Has.One.Contains("alice").And.Contains("Auth:OverwriteUsers"), "named, with the way to overwrite");
            Assert.That(kept.Conflicts.Single(), Does.Not.Contain("$2a$"), "never the hash");
        });

        var overwritten = Plan(new AuthSnapshot([Alice], [], []), new AuthSnapshot([native], [], []), options: new AuthSyncOptions { Enabled = true, OverwriteUsers = true });
        Assert.That(overwritten.UpdateUsers, Is.EqualTo(new[] { Alice }), "OverwriteUsers replaces it with the source's");

        var ours = Plan(new AuthSnapshot([Alice], [], []), new AuthSnapshot([native], [], []), owned: Owned(AuthObjectKeys.Of(Alice)));
        Assert.That(ours.UpdateUsers, Is.EqualTo(new[] { Alice }), "a user the task created follows the source's password changes");
    }

    [Test]
    public void The_targets_global_admins_and_the_daemons_own_login_are_never_changed_or_removed()
    {
        var target = new AuthSnapshot([Root with { PasswordHash = "$2a$10$targetRoot" }, new AuthUser("sync", "$2a$10$sync", true)],
            [new(AuthPlanner.GlobalAdminRole, "root")], []);
        var source = new AuthSnapshot([Root, new AuthUser("sync", "$2a$10$other", true)], [], []);
        var mirror = new AuthSyncOptions { Enabled = true, MirrorDeletes = true, OverwriteUsers = true, CopyAdmins = true };
        var plan = Plan(source, target, options: mirror, protectedUsers: Owned("sync"));
        Assert.Multiple(() =>
        {
            Assert.That(plan.UpdateUsers, Is.Empty, "neither the target's admin nor the daemon's own login is overwritten, whatever the options");
            Assert.That(plan.RemoveRoles, Is.Empty, "the admin binding stays");
            Assert.That(plan.LeftAlone, Has.Some.Contains("root").And.Some.Contains("sync"), "both reported as left alone");
        });

        var drained = Plan(AuthSnapshot.Empty with { Users = [Alice] }, target, options: mirror, protectedUsers: Owned("sync"));
        Assert.That(drained.RemoveUsers, Is.Empty, "mirror deletes never remove them either");
    }

    [Test]
    public void Only_what_the_task_created_is_removed_unless_mirroring()
    {
        var bob = new AuthUser("bob", "$2a$10$bob", true);
        var carol = new AuthUser("carol", "$2a$10$carol", true);
        var target = new AuthSnapshot([Alice, bob, carol], [new("ROLE_DEV", "bob"), new("ROLE_OPS", "carol")], [new("ROLE_DEV", "dev:*:*", "r"), new("ROLE_OPS", "ops:*:*", "w")]);
        var source = new AuthSnapshot([Alice], [], []);
        var owned = Owned(AuthObjectKeys.Of(bob), AuthObjectKeys.Of(new AuthRoleBinding("ROLE_DEV", "bob")), AuthObjectKeys.Of(new AuthGrant("ROLE_DEV", "dev:*:*", "r")));
        var plan = Plan(source, target, owned);
        Assert.Multiple(() =>
        {
            Assert.That(plan.RemoveUsers, Is.EqualTo(new[] { bob }), "bob was created by the task and is gone from the source; carol is the target's own");
            Assert.That(plan.RemoveRoles, Is.EqualTo(new[] { new AuthRoleBinding("ROLE_DEV", "bob") }));
            Assert.That(plan.RemoveGrants(), Is.EqualTo(new[] { new AuthGrant("ROLE_DEV", "dev:*:*", "r") }));
        });

        var mirror = Plan(source, target, options: new AuthSyncOptions { Enabled = true, MirrorDeletes = true });
        Assert.That(mirror.RemoveUsers.Select(u => u.Username), Is.EquivalentTo(new[] { "bob", "carol" }), "mirroring removes the target's own too");
    }

    [Test]
    public void The_sources_global_admins_are_copied_only_when_asked()
    {
        var source = new AuthSnapshot([Root, Alice], [new(AuthPlanner.GlobalAdminRole, "root"), new("ROLE_DEV", "alice")], []);
        var plan = Plan(source, AuthSnapshot.Empty);
        Assert.Multiple(() =>
        {
            Assert.That(plan.CreateUsers, Is.EqualTo(new[] { Alice }), "a source admin would administer the target");
            Assert.That(plan.AddRoles.Select(r => r.Role), Has.No.Member(AuthPlanner.GlobalAdminRole));
            Assert.That(plan.LeftAlone, Has.One.Contains("root").And.Contains("Auth:CopyAdmins"));
        });

        var copied = Plan(source, AuthSnapshot.Empty, options: new AuthSyncOptions { Enabled = true, CopyAdmins = true });
        Assert.That(copied.AddRoles, Has.Member(new AuthRoleBinding(AuthPlanner.GlobalAdminRole, "root")), "CopyAdmins brings the admin role along");
    }

    [Test]
    public void Permission_resources_name_their_namespace_as_the_task_maps_it()
    {
        // A 2.x source's public namespace is "" (resource ":*:*"), a 3.x target's is "public".
        string? Map(string ns) => ns switch { "" => "public", "dev" => "dev-copy", _ => null };
        Assert.Multiple(() =>
        {
            Assert.That(AuthPlanner.MapResource(":*:*", Map), Is.EqualTo("public:*:*"));
            Assert.That(AuthPlanner.MapResource("dev:DEFAULT_GROUP:*", Map), Is.EqualTo("dev-copy:DEFAULT_GROUP:*"));
            Assert.That(AuthPlanner.MapResource("*:*:*", Map), Is.EqualTo("*:*:*"), "every namespace stays every namespace");
            Assert.That(AuthPlanner.MapResource("other:*:*", Map), Is.Null, "a namespace the task does not copy");
        });

        var plan = Plan(new AuthSnapshot([], [], [new("R", "other:*:*", "r")]), AuthSnapshot.Empty, map: Map);
        Assert.That((plan.AddGrants().Count, plan.LeftAlone.Count), Is.EqualTo((0, 1)), "its permission is not copied, and it is reported");
    }

    private static HashSet<string> Owned(params string[] keys) => new(keys, StringComparer.Ordinal);
}

internal static class AuthPlanTestExtensions
{
    public static IReadOnlyList<AuthGrant> AddGrants(this AuthPlan plan) => plan.AddPermissions;

    public static IReadOnlyList<AuthGrant> RemoveGrants(this AuthPlan plan) => plan.RemovePermissions;
}
