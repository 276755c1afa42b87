using System.Security.Cryptography;
using System.Text;
using NacosSync.Core.Auth;
using NacosSync.Core.Sync;
using NacosSync.Nacos.Auth;
using NacosSync.Nacos.Transport;
using NacosSync.Storage.Auth;

namespace NacosSync.Engine.Auth;

/// <summary>
/// One cluster's users, roles and permissions as an auth run sees them: its Nacos database when it has one, else its
/// auth API (<see cref="NacosAuthClient"/>). Made per run: the API side keeps what its fingerprint read for the read.
/// </summary>
internal abstract class AuthSide
{
    /// <summary>Written through the API: no users can be created (<see cref="AuthApiPlan"/>).</summary>
    public abstract bool ThroughApi { get; }

    /// <summary>What identifies the store (two sides on one database are refused).</summary>
    public abstract string Identity { get; }

    public abstract Task<string> FingerprintAsync(CancellationToken cancellationToken);

    public abstract Task<AuthSnapshot> ReadAsync(CancellationToken cancellationToken);

    /// <summary>Applies the plan; returns the keys of the objects that could not be written (each reported to the tally).</summary>
    public abstract Task<IReadOnlyList<string>> ApplyAsync(AuthPlan plan, bool applyRemovals, AuthRunTally tally, CancellationToken cancellationToken);
}

/// <summary>Database mode: the three tables, read whole, written in one transaction (<see cref="AuthTableStore"/>).</summary>
internal sealed class DatabaseAuthSide(AuthTableStore store) : AuthSide
{
    public override bool ThroughApi => false;

    public override string Identity => store.Database.Description;

    public override Task<string> FingerprintAsync(CancellationToken cancellationToken) => store.FingerprintAsync(cancellationToken);

    public override Task<AuthSnapshot> ReadAsync(CancellationToken cancellationToken) => store.ReadAsync(cancellationToken);

    public override async Task<IReadOnlyList<string>> ApplyAsync(AuthPlan plan, bool applyRemovals, AuthRunTally tally, CancellationToken cancellationToken)
    {
        await store.ApplyAsync(plan, applyRemovals, cancellationToken);
        return [];
    }
}

/// <summary>
/// API mode: the cluster's auth API. The fingerprint is a digest of a whole read (the API offers nothing cheaper); the
/// read that follows in the same run reuses it. Writes go one object at a time, role bindings before the permissions
/// that need them; one refused object is reported by name and the others still go.
/// </summary>
internal sealed class ApiAuthSide(NacosAuthClient client) : AuthSide
{
    private AuthSnapshot? _read;

    public override bool ThroughApi => true;

    public override string Identity => "api:" + client.Name;

    public override async Task<string> FingerprintAsync(CancellationToken cancellationToken)
    {
        var snapshot = await ReadAsync(cancellationToken);
        var rows = snapshot.Users.Select(u => $"u\u0001{u.Username}\u0001{u.PasswordHash}")
            .Concat(snapshot.Roles.Select(AuthObjectKeys.Of)).Concat(snapshot.Permissions.Select(AuthObjectKeys.Of))
            .Order(StringComparer.Ordinal);
        return "api-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', rows))))[..16];
    }

    public override async Task<AuthSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        if (_read is { } read)
        {
            _read = null; // once: a read after the apply (verify) asks the cluster again
            return read;
        }

        _read = await client.ReadAsync(cancellationToken);
        return _read;
    }

    public override async Task<IReadOnlyList<string>> ApplyAsync(AuthPlan plan, bool applyRemovals, AuthRunTally tally, CancellationToken cancellationToken)
    {
        _read = null;
        var failed = new List<string>();
        async Task TryAsync(string key, string what, Func<Task> write)
        {
            try
            {
                await write();
            }
            catch (NacosRejectedException ex)
            {
                failed.Add(key);
                tally.Error(SyncStage.Write, $"{what} through {client.Name}'s auth API was refused: {ex.ServerMessage}", key);
            }
        }

        foreach (var role in plan.AddRoles)
        {
            await TryAsync(AuthObjectKeys.Of(role), $"adding {role}", () => client.AddRoleAsync(role, cancellationToken));
        }

        foreach (var permission in plan.AddPermissions)
        {
            await TryAsync(AuthObjectKeys.Of(permission), $"adding {permission}", () => client.AddPermissionAsync(permission, cancellationToken));
        }

        if (applyRemovals)
        {
            foreach (var permission in plan.RemovePermissions)
            {
                await TryAsync(AuthObjectKeys.Of(permission), $"removing {permission}", () => client.RemovePermissionAsync(permission, cancellationToken));
            }

            foreach (var role in plan.RemoveRoles)
            {
                await TryAsync(AuthObjectKeys.Of(role), $"removing {role}", () => client.RemoveRoleAsync(role, cancellationToken));
            }
        }

        return failed;
    }
}
