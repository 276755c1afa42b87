using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NacosSync.Core.Options;
using NacosSync.Hosting.Jobs;

namespace NacosSync.Hosting.Options;

/// <summary>Loads <c>nacos-sync.json</c> plus <c>NACOSSYNC__</c> environment variables and turns them into checked options.</summary>
public static class NacosSyncConfiguration
{
    public const string EnvironmentPrefix = "NACOSSYNC__";
    public const string ConfigPathVariable = "NACOSSYNC_CONFIG";

    private static readonly string[] KnownRootKeys = ["Clusters", "Tasks", "State", "Endpoint", "HighAvailability", "Logging"];

    /// <summary>The configuration file to use: the one given, else <c>$NACOSSYNC_CONFIG</c>, else <c>config/nacos-sync.json</c> under the working directory.</summary>
    public static string ResolvePath(string? path) =>
        Path.GetFullPath(!string.IsNullOrWhiteSpace(path) ? path
            : Environment.GetEnvironmentVariable(ConfigPathVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
            : Path.Combine("config", "nacos-sync.json"));

    /// <summary>The file (which must exist) and the environment variables.</summary>
    /// <exception cref="NacosSyncConfigurationException">The file is missing or is not valid JSON.</exception>
    public static IConfigurationRoot Load(string path, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        if (!File.Exists(path))
        {
            throw new NacosSyncConfigurationException([$"the configuration file '{path}' does not exist; pass --config PATH or set {ConfigPathVariable}"]);
        }

        try
        {
            var builder = new ConfigurationBuilder()
                .AddJsonFile(path, optional: false, reloadOnChange: false)
                .AddEnvironmentVariables(EnvironmentPrefix);
            if (overrides is not null)
            {
                builder.AddInMemoryCollection(overrides);
            }

            return builder.Build();
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or System.Text.Json.JsonException)
        {
            throw new NacosSyncConfigurationException([$"the configuration file '{path}' is not valid JSON: {ex.InnerException?.Message ?? ex.Message}"]);
        }
    }

    /// <summary>
    /// Registers <see cref="NacosSyncOptions"/> bound from <paramref name="configuration"/> (unknown keys
    /// are errors) and checked at start by <see cref="NacosSyncOptionsValidator"/> and
    /// <see cref="SecretFilesValidator"/>, so a bad file fails before the first job.
    /// </summary>
    public static IServiceCollection AddNacosSyncOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<NacosSyncOptions>()
            .Bind(OwnSections(configuration), binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NacosSyncOptions>>(new NacosSyncOptionsValidator(QuartzRegistration.CronError)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NacosSyncOptions>, SecretFilesValidator>());
        return services;
    }

    /// <summary>Binds and validates as the host will; every problem is reported at once, each naming its key.</summary>
    /// <exception cref="NacosSyncConfigurationException">Unknown keys, values of the wrong type, or values the validators refuse.</exception>
    public static NacosSyncOptions Bind(IConfiguration configuration)
    {
        var errors = new List<string>();
        foreach (var section in configuration.GetChildren())
        {
            if (!KnownRootKeys.Contains(section.Key, StringComparer.Ordinal))
            {
                errors.Add($"{section.Key}: unknown key; the file's top level may hold {string.Join(", ", KnownRootKeys)}");
            }
        }

        // Unknown keys and values of the wrong type, all of them, before the binder stops at the first.
        foreach (var property in typeof(NacosSyncOptions).GetProperties())
        {
            var section = configuration.GetSection(property.Name);
            UnknownKeyCheck.Collect(section, property.PropertyType, errors);
            CollectConversionErrors(section, property.PropertyType, errors);
        }

        if (errors.Count > 0)
        {
            throw new NacosSyncConfigurationException(errors);
        }

        using var services = new ServiceCollection().AddNacosSyncOptions(configuration).BuildServiceProvider();
        try
        {
            return services.GetRequiredService<IOptions<NacosSyncOptions>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            throw new NacosSyncConfigurationException([.. ex.Failures]);
        }
        catch (InvalidOperationException ex)
        {
            throw new NacosSyncConfigurationException([Describe(ex)]);
        }
    }

    /// <summary>
    /// Our sections only: <c>Logging</c> is the host's logger's, and the web host writes keys of its
    /// own (<c>urls</c>) into the configuration it is given. Unknown top-level keys are reported by <see cref="Bind"/>.
    /// </summary>
    private static IConfiguration OwnSections(IConfiguration configuration) =>
        new ConfigurationBuilder().AddInMemoryCollection(typeof(NacosSyncOptions).GetProperties()
            .SelectMany(p => configuration.GetSection(p.Name).AsEnumerable())).Build();

    private static void CollectConversionErrors(IConfigurationSection section, Type type, List<string> errors)
    {
        try
        {
            section.Get(type);
        }
        catch (InvalidOperationException ex)
        {
            // The binder names the key and the type it wanted ("Failed to convert configuration value at 'Tasks:t:Schedule:IncrementalInterval' to type 'System.TimeSpan'").
            errors.Add(Describe(ex));
        }
    }

    private static string Describe(InvalidOperationException ex)
    {
        var messages = new List<string>();
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }

        return string.Join(": ", messages.Distinct(StringComparer.Ordinal));
    }
}

/// <summary>A configuration that cannot be used; <see cref="Errors"/> lists every problem, each naming its key.</summary>
public sealed class NacosSyncConfigurationException : Exception
{
    public NacosSyncConfigurationException(IReadOnlyList<string> errors)
        : base("invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e))) => Errors = errors;

    public NacosSyncConfigurationException()
        : this([])
    {
    }

    public NacosSyncConfigurationException(string message)
        : this([message])
    {
    }

    public NacosSyncConfigurationException(string message, Exception innerException)
        : base(message, innerException) => Errors = [message];

    public IReadOnlyList<string> Errors { get; }
}
