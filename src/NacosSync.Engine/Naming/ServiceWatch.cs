namespace NacosSync.Engine.Naming;

/// <summary>
/// What the change feed knows of one source service. Pushes arrive on the socket's thread while a run
/// reads and applies the service on others, so every field is read and written under the watch's lock,
/// and a push counts by generation, not by time: a run clears "dirty" only when no push came after its
/// read began (a push racing the run leaves the service dirty for the next one).
/// </summary>
internal sealed class ServiceWatch
{
    private readonly Lock _lock = new();
    private long _generation;
    private long _readGeneration = -1;
    private DateTimeOffset? _dirtySince;
    private DateTimeOffset? _markedAt;
    private long? _pendingHash;

    public ServiceWatch(DateTimeOffset renewedAt, long? appliedHash = null, long? persistedHash = null)
    {
        RenewedAt = renewedAt;
        AppliedHash = appliedHash;
        PersistedHash = persistedHash;
    }

    public DateTimeOffset RenewedAt { get; private set; }

    /// <summary>The fingerprint of the source answer last applied to the target; null when unknown or not applied.</summary>
    public long? AppliedHash { get; private set; }

    /// <summary>The fingerprint last written to the store as this service's applied baseline.</summary>
    public long? PersistedHash { get; set; }

    /// <summary>No longer in the source's service list: dropped once it reads empty and is applied.</summary>
    public bool Vanished { get; set; }

    public DateTimeOffset? DirtySince
    {
        get
        {
            lock (_lock)
            {
                return _dirtySince;
            }
        }
    }

    /// <summary>A push (or the listing, or a failed apply) says the service differs from what was applied.</summary>
    public void Mark(DateTimeOffset at)
    {
        lock (_lock)
        {
            _generation++;
            _markedAt = at;
            _dirtySince ??= at;
        }
    }

    /// <summary>A run starts reading the service: pushes from now on are after this read.</summary>
    public void ReadStarted()
    {
        lock (_lock)
        {
            _readGeneration = _generation;
        }
    }

    /// <summary>The run's read returned <paramref name="hash"/>; true when the target needs a look (dirty, or not the applied answer).</summary>
    public bool ReadReturned(long hash, DateTimeOffset at)
    {
        lock (_lock)
        {
            RenewedAt = at;
            _pendingHash = hash;
            if (AppliedHash != hash && _dirtySince is null)
            {
                // A change found by listing (no push came) is pending like a pushed one until applied.
                _dirtySince = at;
            }

            return _dirtySince is not null || AppliedHash != hash;
        }
    }

    /// <summary>The run applied what it read: that answer is the baseline; dirty clears unless a push came after the read began.</summary>
    public long? Applied()
    {
        lock (_lock)
        {
            AppliedHash = _pendingHash;
            if (_generation == _readGeneration)
            {
                _dirtySince = null;
            }
            else
            {
                _dirtySince = _markedAt; // the change pushed during the run is pending from its push
            }

            return AppliedHash;
        }
    }

    /// <summary>A full run applied this answer (or failed to: then <paramref name="pendingSince"/> keeps it dirty, with no baseline).</summary>
    public void FullRunApplied(long hash, DateTimeOffset? pendingSince)
    {
        lock (_lock)
        {
            if (pendingSince is { } since)
            {
                AppliedHash = null;
                _dirtySince = _dirtySince is { } d && d < since ? d : since;
                return;
            }

            AppliedHash = hash;
        }
    }

    public bool PendingIsEmpty
    {
        get
        {
            lock (_lock)
            {
                return _pendingHash == ServiceFingerprint.Empty;
            }
        }
    }
}
