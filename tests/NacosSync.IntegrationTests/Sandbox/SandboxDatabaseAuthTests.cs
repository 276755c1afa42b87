using System.Text.Json.Nodes;
using Dapper;
using NacosSync.IntegrationTests.Infrastructure;
using NacosSync.Sandbox;
using NacosSync.Storage.Database;

namespace NacosSync.IntegrationTests.Sandbox;

/// <summary>
/// A sandbox whose config store is a Nacos database takes its users, roles and permissions from the <c>users</c>,
/// <c>roles</c> and <c>permissions</c> tables, as the default auth plugin does (2.4.3 users/NacosUserDetailsServiceImpl
/// and roles/NacosRoleServiceImpl: reload every 15 s, <c>hasPermission</c>; 3.x roles/AbstractCheckedRoleService).
/// </summary>
[TestFixture]
internal sealed class SandboxDatabaseAuthTests
{
    /// <summary>The bcrypt hash of "nacos" that Nacos 2.0.0's schema.sql inserts for its default user.</summary>
    private const string NacosHash = "$2a$10$EuWPZHzz32dJN7jexM34MOeYirDdFAZm2kuWj7VEOJhhZkDrxfvUu";

    private static async Task<(SandboxCluster Cluster, SqlDatabase Db)> StartAsync(NacosVersionProfile profile, FakeTimeProvider clock)
    {
        var db = await MariaDbServer.CreateDatabaseAsync("sbauth");
        var cluster = await SandboxTestKit.StartAsync(profile: profile, clock: clock, configure: o =>
        {
            o.Database = db;
            o.AuthEnabled = true;
            o.AdminPassword = "s3cret";
        });
        return (cluster, db);
    }

    private static async Task ExecAsync(SqlDatabase db, string sql, object? args = null)
    {
        await using var c = await db.OpenAsync(CancellationToken.None);
        await c.ExecuteAsync(sql, args);
    }

    private static async Task<(int Status, string Body)> LoginAsync(HttpClient client, string user, string password) =>
        await client.SendAsync(HttpMethod.Post, "/nacos/v1/auth/login", new Dictionary<string, string> { ["username"] = user, ["password"] = password });

    private static string Message(string body) => (string?)JsonNode.Parse(body)!["message"] ?? "";

    [Test]
    public async Task Over_grpc_a_read_only_user_may_query_its_namespace_only_and_an_admin_may_do_everything()
    {
        // RemoteRequestAuthFilter: validateAuthority on the @Secured resource of the handler, refused in its own response.
        var clock = new FakeTimeProvider(TestTime.Start);
        var (cluster, db) = await StartAsync(NacosVersionProfile.V2_4, clock);
        await using var _ = cluster;
        using var http = SandboxTestKit.Client(cluster.Nodes[0]);
        await ExecAsync(db, "INSERT INTO users VALUES ('alice', @NacosHash, 1)", new { NacosHash });
        await ExecAsync(db, "INSERT INTO roles (username, role) VALUES ('alice', 'ROLE_DEV')");
        await ExecAsync(db, "INSERT INTO permissions (role, resource, action) VALUES ('ROLE_DEV', 'dev:*:*', 'r')");
        clock.Advance(TimeSpan.FromSeconds(15));
        await cluster.RunMaintenanceAsync();
        var aliceToken = (string)JsonNode.Parse((await LoginAsync(http, "alice", "nacos")).Body)!["accessToken"]!;
        var adminToken = (string)JsonNode.Parse((await LoginAsync(http, "nacos", "s3cret")).Body)!["accessToken"]!;
        await using var alice = await GrpcTestClient.ConnectAsync(cluster.Nodes[0]);
        alice.Headers["accessToken"] = aliceToken;
        await using var admin = await GrpcTestClient.ConnectAsync(cluster.Nodes[0]);
        admin.Headers["accessToken"] = adminToken;

        static JsonObject Config(string tenant, string? content = null)
        {
            var body = new JsonObject { ["dataId"] = "a", ["group"] = "DEFAULT_GROUP", ["tenant"] = tenant, ["module"] = "config" };
            if (content is not null)
            {
                body["content"] = content;
            }

            return body;
        }

        var adminPublish = await admin.RequestAsync("ConfigPublishRequest", Config("dev", "x"));
        var adminProd = await admin.RequestAsync("ConfigPublishRequest", Config("prod", "y"));
        var readDev = await alice.RequestAsync("ConfigQueryRequest", Config("dev"));
        var writeDev = await alice.RequestAsync("ConfigPublishRequest", Config("dev", "z"));
        var readProd = await alice.RequestAsync("ConfigQueryRequest", Config("prod"));
        var register = GrpcNaming.Base("svc", new JsonObject { ["type"] = "registerInstance", ["instance"] = GrpcNaming.Instance("10.0.0.1", 80) });
        register["namespace"] = "dev";
        var aliceRegister = await alice.RequestAsync("InstanceRequest", register.DeepClone().AsObject());
        var adminRegister = await admin.RequestAsync("InstanceRequest", register);

        Assert.Multiple(() =>
        {
            Assert.That((int?)adminPublish.Body["resultCode"], Is.EqualTo(200), "ROLE_ADMIN may publish");
            Assert.That((int?)adminProd.Body["resultCode"], Is.EqualTo(200), "in any namespace");
            Assert.That((int?)readDev.Body["resultCode"], Is.EqualTo(200), "dev:*:* r grants the query");
            Assert.That((string?)readDev.Body["content"], Is.EqualTo("x"));
            Assert.That(writeDev.Type, Is.EqualTo("ConfigPublishResponse"), "the handler's own response");
            Assert.That((int?)writeDev.Body["resultCode"], Is.EqualTo(500));
            Assert.That((int?)writeDev.Body["errorCode"], Is.EqualTo(403), "NO_RIGHT");
            Assert.That((string?)writeDev.Body["message"], Is.EqualTo("authorization failed!"));
            Assert.That(readProd.Type, Is.EqualTo("ConfigQueryResponse"));
            Assert.That((int?)readProd.Body["errorCode"], Is.EqualTo(403), "prod is not granted");
            Assert.That((int?)aliceRegister.Body["errorCode"], Is.EqualTo(403), "register is WRITE on the service");
            Assert.That((int?)adminRegister.Body["resultCode"], Is.EqualTo(200));
        });
    }

    [Test]
    public async Task A_user_of_the_users_table_logs_in_after_the_reload_and_may_only_do_what_its_roles_permissions_grant()
    {
        var clock = new FakeTimeProvider(TestTime.Start);
        var (cluster, db) = await StartAsync(NacosVersionProfile.V2_4, clock);
        await using var _ = cluster;
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        await ExecAsync(db, "INSERT INTO users VALUES ('alice', @NacosHash, 1)", new { NacosHash });
        await ExecAsync(db, "INSERT INTO roles (username, role) VALUES ('alice', 'ROLE_DEV')");
        await ExecAsync(db, "INSERT INTO permissions (role, resource, action) VALUES ('ROLE_DEV', 'dev:*:*', 'r'), ('ROLE_DEV', 'dev:APP:*', 'rw')");

        var before = await LoginAsync(client, "alice", "nacos");
        clock.Advance(TimeSpan.FromSeconds(15));
        await cluster.RunMaintenanceAsync();
        var wrong = await LoginAsync(client, "alice", "other");
        var login = await LoginAsync(client, "alice", "nacos");
        var token = (string)JsonNode.Parse(login.Body)!["accessToken"]!;
        var readDev = await client.SendAsync(HttpMethod.Get, $"/nacos/v1/cs/configs?dataId=a&group=DEFAULT_GROUP&tenant=dev&accessToken={token}");
        var writeDev = await client.SendAsync(HttpMethod.Post, $"/nacos/v1/cs/configs?accessToken={token}",
            new Dictionary<string, string> { ["dataId"] = "a", ["group"] = "DEFAULT_GROUP", ["tenant"] = "dev", ["content"] = "x" });
        var writeDevApp = await client.SendAsync(HttpMethod.Post, $"/nacos/v1/cs/configs?accessToken={token}",
            new Dictionary<string, string> { ["dataId"] = "a", ["group"] = "APP", ["tenant"] = "dev", ["content"] = "x" });
        var readProd = await client.SendAsync(HttpMethod.Get, $"/nacos/v1/cs/configs?dataId=a&group=DEFAULT_GROUP&tenant=prod&accessToken={token}");
        var listDev = await client.SendAsync(HttpMethod.Get, $"/nacos/v1/ns/instance/list?serviceName=svc&namespaceId=dev&accessToken={token}");
        var registerDev = await client.SendAsync(HttpMethod.Post, $"/nacos/v1/ns/instance?serviceName=svc&ip=10.0.0.1&port=80&namespaceId=dev&accessToken={token}");
        var registerDevApp = await client.SendAsync(HttpMethod.Post, $"/nacos/v1/ns/instance?serviceName=APP@@svc&ip=10.0.0.1&port=80&namespaceId=dev&accessToken={token}");
        var namespaces = await client.SendAsync(HttpMethod.Get, $"/nacos/v1/console/namespaces?accessToken={token}");
        var admin = await LoginAsync(client, "nacos", "s3cret");

        Assert.Multiple(() =>
        {
            Assert.That(before.Status, Is.EqualTo(403), "a login sees the cached users only: alice exists after the next reload (loadUserByUsername)");
            Assert.That(wrong.Status, Is.EqualTo(403), "the password is checked against the bcrypt hash");
            Assert.That(login.Status, Is.EqualTo(200), "the hash of 'nacos' from Nacos's schema.sql verifies");
            Assert.That((bool?)JsonNode.Parse(login.Body)!["globalAdmin"], Is.False, "alice holds no ROLE_ADMIN");
            Assert.That(readDev.Status, Is.EqualTo(404), "dev:*:* r lets her read dev (the config does not exist)");
            Assert.That(writeDev.Status, Is.EqualTo(403), "r does not grant a write");
            Assert.That(Message(writeDev.Body), Is.EqualTo("authorization failed!"), "AbstractAuthenticationManager.authorize's text");
            Assert.That(writeDevApp.Status, Is.EqualTo(200), "dev:APP:* rw grants writes in group APP");
            Assert.That(readProd.Status, Is.EqualTo(403), "nothing grants prod");
            Assert.That(listDev.Status, Is.EqualTo(200), "naming reads are judged alike (naming/svc in dev)");
            Assert.That(registerDev.Status, Is.EqualTo(403), "a register is a write; DEFAULT_GROUP (NamingUtils.getGroupName) has only r");
            Assert.That(registerDevApp.Status, Is.EqualTo(200), "the group of APP@@svc is APP, where she may write");
            Assert.That(namespaces.Status, Is.EqualTo(403), "a console resource passes global admins only");
            Assert.That((admin.Status, (bool?)JsonNode.Parse(admin.Body)!["globalAdmin"]), Is.EqualTo((200, (bool?)true)),
                "the options' admin was written to the table with ROLE_ADMIN at start");
        });
    }

    [TestCase(NacosVersionProfile.V2_4, ":*:*", true, TestName = "2.x: the permission ':*:*' grants the public namespace")]
    [TestCase(NacosVersionProfile.V2_4, "public:*:*", false, TestName = "2.x: the permission 'public:*:*' does not grant the public namespace")]
    [TestCase(NacosVersionProfile.V3_0, ":*:*", true, TestName = "3.x: the permission ':*:*' grants the public namespace")]
    [TestCase(NacosVersionProfile.V3_0, "public:*:*", true, TestName = "3.x: the permission 'public:*:*' grants the public namespace")]
    public async Task The_public_namespace_is_matched_as_each_line_joins_it(NacosVersionProfile profile, string resource, bool granted)
    {
        var clock = new FakeTimeProvider(TestTime.Start);
        var (cluster, db) = await StartAsync(profile, clock);
        await using var _ = cluster;
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        await ExecAsync(db, "INSERT INTO users VALUES ('bob', @NacosHash, 1)", new { NacosHash });
        await ExecAsync(db, "INSERT INTO roles (username, role) VALUES ('bob', 'ROLE_PUB')");
        await ExecAsync(db, "INSERT INTO permissions (role, resource, action) VALUES ('ROLE_PUB', @resource, 'r')", new { resource });
        clock.Advance(TimeSpan.FromSeconds(15));
        await cluster.RunMaintenanceAsync();

        // No tenant: the public namespace in both lines (2.x "", 3.x "public").
        var read = await client.SendAsync(HttpMethod.Get, "/nacos/v1/cs/configs?dataId=a&group=DEFAULT_GROUP&username=bob&password=nacos");

        Assert.That(read.Status, Is.EqualTo(granted ? 404 : 403),
            "2.4.3 NacosRoleServiceImpl.joinResource leaves the public namespace out (':G:config/a'); 3.x writes 'public' and prefixes a ':' permission with it");
        if (!granted)
        {
            Assert.That(Message(read.Body), Is.EqualTo("authorization failed!"));
        }
    }

    [Test]
    public async Task A_role_granted_after_the_login_counts_at_once_when_the_user_had_none_cached()
    {
        var clock = new FakeTimeProvider(TestTime.Start);
        var (cluster, db) = await StartAsync(NacosVersionProfile.V3_0, clock);
        await using var _ = cluster;
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        await ExecAsync(db, "INSERT INTO users VALUES ('carol', @NacosHash, 1)", new { NacosHash });
        clock.Advance(TimeSpan.FromSeconds(15));
        await cluster.RunMaintenanceAsync();
        const string Read = "/nacos/v1/cs/configs?dataId=a&group=DEFAULT_GROUP&tenant=ops&username=carol&password=nacos";
        var withoutRole = await client.SendAsync(HttpMethod.Get, Read);
        await ExecAsync(db, "INSERT INTO roles (username, role) VALUES ('carol', 'ROLE_OPS')");
        await ExecAsync(db, "INSERT INTO permissions (role, resource, action) VALUES ('ROLE_OPS', 'ops:*:*', 'rw')");
        var withRole = await client.SendAsync(HttpMethod.Get, Read);

        Assert.Multiple(() =>
        {
            Assert.That(withoutRole.Status, Is.EqualTo(403), "no role, no permission");
            Assert.That(Message(withoutRole.Body), Is.EqualTo("Code: 403, Message: authorization failed!."), "3.x AbstractWebAuthFilter: AuthResult.format() of the 403");
            Assert.That(withRole.Status, Is.EqualTo(404), "getRoles/getPermissions read the database when the cache has no entry (NacosRoleServiceImpl)");
        });
    }

    [TestCase(NacosVersionProfile.V2_4, "/nacos/v1/auth/roles", "/nacos/v1/auth/permissions", "/nacos/v1/auth/users", TestName = "2.x role and permission API (RoleController, PermissionController)")]
    [TestCase(NacosVersionProfile.V3_0, "/nacos/v3/auth/role", "/nacos/v3/auth/permission", "/nacos/v3/auth/user/list", TestName = "3.x role and permission API (RoleControllerV3, PermissionControllerV3)")]
    public async Task The_role_and_permission_api_writes_the_tables_as_the_role_service_allows_and_only_for_admins(
        NacosVersionProfile profile, string roles, string permissions, string users)
    {
        var clock = new FakeTimeProvider(TestTime.Start);
        var (cluster, db) = await StartAsync(profile, clock);
        await using var _ = cluster;
        using var client = SandboxTestKit.Client(cluster.Nodes[0]);
        await ExecAsync(db, "INSERT INTO users VALUES ('alice', @NacosHash, 1)", new { NacosHash });
        var v3 = profile == NacosVersionProfile.V3_0;
        var list = v3 ? "/list" : "";
        // A token, not username/password params: addRole has a username parameter of its own.
        var admin = "accessToken=" + (string)JsonNode.Parse((await LoginAsync(client, "nacos", "s3cret")).Body)!["accessToken"]!;

        var permissionWithoutHolder = await client.SendAsync(HttpMethod.Post, $"{permissions}?{admin}&role=ROLE_DEV&resource=dev:*:*&action=r");
        var unknownUser = await client.SendAsync(HttpMethod.Post, $"{roles}?{admin}&role=ROLE_DEV&username=nobody");
        var adminRole = await client.SendAsync(HttpMethod.Post, $"{roles}?{admin}&role=ROLE_ADMIN&username=alice");
        var addRole = await client.SendAsync(HttpMethod.Post, $"{roles}?{admin}&role=ROLE_DEV&username=alice");
        var addPermission = await client.SendAsync(HttpMethod.Post, $"{permissions}?{admin}&role=ROLE_DEV&resource=dev:*:*&action=r");
        var roleList = await client.SendAsync(HttpMethod.Get, $"{roles}{list}?{admin}&search=accurate&pageNo=1&pageSize=10");
        var permissionList = await client.SendAsync(HttpMethod.Get, $"{permissions}{list}?{admin}&search=accurate&pageNo=1&pageSize=10&role=ROLE_DEV");
        var userList = await client.SendAsync(HttpMethod.Get, $"{users}?{admin}&search=accurate&pageNo=1&pageSize=10&username=alice");
        clock.Advance(TimeSpan.FromSeconds(15));
        await cluster.RunMaintenanceAsync();
        var alice = "accessToken=" + (string)JsonNode.Parse((await LoginAsync(client, "alice", "nacos")).Body)!["accessToken"]!;
        var asAlice = await client.SendAsync(HttpMethod.Get, $"{roles}{list}?{alice}&search=accurate&pageNo=1&pageSize=10");

        JsonNode Page(string body) => v3 ? JsonNode.Parse(body)!["data"]! : JsonNode.Parse(body)!;
        Assert.Multiple(() =>
        {
            Assert.That(permissionWithoutHolder.Body, Does.Contain("role ROLE_DEV not found!"));
            Assert.That(permissionWithoutHolder.Status, Is.EqualTo(400), "addPermission: a role nobody holds is not in the role set");
            Assert.That((unknownUser.Status, unknownUser.Body.Contains("user 'nobody' not found!", StringComparison.Ordinal)), Is.EqualTo((400, true)), "addRole needs the user");
            Assert.That((adminRole.Status, adminRole.Body.Contains("is not permitted to create!", StringComparison.Ordinal)), Is.EqualTo((400, true)), "ROLE_ADMIN cannot be granted");
            Assert.That(addRole.Body, Does.Contain("add role ok!"));
            Assert.That(addPermission.Body, Does.Contain("add permission ok!"));
            Assert.That(Page(roleList.Body)["pageItems"]!.AsArray().Select(r => $"{r!["role"]} {r["username"]}"), Is.EquivalentTo(new[] { "ROLE_ADMIN nacos", "ROLE_DEV alice" }));
            Assert.That((int?)Page(permissionList.Body)["totalCount"], Is.EqualTo(1));
            Assert.That((string?)Page(userList.Body)["pageItems"]![0]!["password"], Is.EqualTo(NacosHash), "the user list carries the hash (ExternalUserPersistServiceImpl.getUsers)");
            Assert.That(asAlice.Status, Is.EqualTo(403), "console/roles: only a global admin");
        });
    }
}
