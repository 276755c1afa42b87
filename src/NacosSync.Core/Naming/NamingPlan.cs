namespace NacosSync.Core.Naming;

/// <summary>What a change does to a replica in the target.</summary>
internal enum NamingChangeKind
{
    Add,
    Update,
    Remove,
}

/// <summary>
/// One change. <see cref="Instance"/> is the wanted replica for adds and updates and the replica
/// to remove for removals; <see cref="Current"/> is the target's instance for updates and removals.
/// </summary>
internal sealed record NamingChange(NamingChangeKind Kind, NamingInstance Instance, NamingInstance? Current = null, string? Reason = null)
{
    public string Namespace => Instance.Key.Service.Namespace;
}

/// <summary>An instance the task wants to write but may not, because something it does not own sits at that address.</summary>
internal sealed record NamingConflict(NamingInstance Wanted, NamingInstance Existing);

/// <summary>The result of a diff: changes to apply, conflicts left alone, and what the task owns now.</summary>
internal sealed record NamingPlan(
    IReadOnlyList<NamingChange> Changes,
    IReadOnlyList<NamingConflict> Conflicts,
    int Unchanged,
    IReadOnlyDictionary<string, int> OwnedPerNamespace)
{
    public int Count(NamingChangeKind kind) => Changes.Count(c => c.Kind == kind);

    public int OwnedTotal => OwnedPerNamespace.Values.Sum();
}
