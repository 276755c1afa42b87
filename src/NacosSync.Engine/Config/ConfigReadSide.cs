using System.Runtime.CompilerServices;
using NacosSync.Core.Sync;

namespace NacosSync.Engine.Config;

/// <summary>
/// Marks which side of a streaming diff failed: the diff pulls source and target together, so an
/// exception alone cannot say whether the source or the target could not be read.
/// </summary>
internal static class ConfigReadSide
{
    /// <summary><paramref name="items"/>, whose failures are raised as <see cref="ConfigReadException"/> of <paramref name="stage"/>.</summary>
    public static async IAsyncEnumerable<T> Tag<T>(IAsyncEnumerable<T> items, SyncStage stage, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var enumerator = items.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            T current;
            try
            {
                if (!await enumerator.MoveNextAsync())
                {
                    yield break;
                }

                current = enumerator.Current;
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or ConfigReadException))
            {
                throw new ConfigReadException(stage, ex);
            }

            yield return current;
        }
    }

    /// <summary>The stage a diff failure belongs to, and its cause; untagged failures stay <paramref name="otherwise"/>.</summary>
    public static (SyncStage Stage, Exception Cause) Of(Exception exception, SyncStage otherwise) =>
        exception is ConfigReadException { InnerException: { } cause } tagged ? (tagged.Stage, cause) : (otherwise, exception);
}

/// <summary>A read of one side of the diff failed; <see cref="Exception.InnerException"/> says why.</summary>
internal sealed class ConfigReadException(SyncStage stage, Exception innerException) : Exception(innerException.Message, innerException)
{
    public SyncStage Stage { get; } = stage;
}
