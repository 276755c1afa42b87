using Microsoft.Extensions.Options;
using NacosSync.Core.Options;

namespace NacosSync.Hosting.Options;

/// <summary>
/// Every <c>*File</c> secret key names a file that exists and can be read, checked at start
/// (<c>ValidateOnStart</c>) instead of when the first job needs the secret. Never reads the secret
/// into a message. Lives in Hosting because it touches the file system; the rules of the values
/// themselves are <see cref="NacosSyncOptionsValidator"/>'s.
/// </summary>
internal sealed class SecretFilesValidator : IValidateOptions<NacosSyncOptions>
{
    public ValidateOptionsResult Validate(string? name, NacosSyncOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        foreach (var (key, cluster) in options.Clusters)
        {
            Check($"Clusters:{key}:PasswordFile", cluster.PasswordFile, $"Clusters:{key}:Password", errors);
            Check($"Clusters:{key}:IdentityValueFile", cluster.IdentityValueFile, $"Clusters:{key}:IdentityValue", errors);
            Check($"Clusters:{key}:Database:ConnectionStringFile", cluster.Database?.ConnectionStringFile, $"Clusters:{key}:Database:ConnectionString", errors);
        }

        Check("State:Database:ConnectionStringFile", options.State.Database.ConnectionStringFile, "State:Database:ConnectionString", errors);
        Check("Endpoint:AdminTokenFile", options.Endpoint.AdminTokenFile, "Endpoint:AdminToken", errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Check(string key, string? path, string inlineKey, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }

        if (!File.Exists(path))
        {
            errors.Add($"{key}: '{path}' does not exist; create it with the secret, or set {inlineKey} instead");
            return;
        }

        try
        {
            using var stream = File.OpenRead(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add($"{key}: '{path}' cannot be read ({ex.GetType().Name}); give the daemon's user read access to it");
        }
    }
}
