using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace NacosSync.Hosting.Options;

/// <summary>
/// Finds every configuration key that names no option, and reports each by its full path with the
/// keys allowed there (<c>Tasks:migrate:Guards:MaxDeleteRatio: unknown key; Tasks:migrate:Guards may
/// hold MaxDeletionRatio, …</c>). The binder's own check stops at the first such object and names
/// only the CLR type; this one walks the whole file, so a user fixes every typo in one go.
/// </summary>
internal static class UnknownKeyCheck
{
    public static void Collect(IConfigurationSection section, Type type, List<string> errors)
    {
        if (IsLeaf(type))
        {
            return;
        }

        if (DictionaryValueType(type) is { } valueType)
        {
            foreach (var child in section.GetChildren())
            {
                Collect(child, valueType, errors);
            }

            return;
        }

        if (ListElementType(type) is { } elementType)
        {
            foreach (var child in section.GetChildren())
            {
                Collect(child, elementType, errors);
            }

            return;
        }

        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite || !IsLeaf(p.PropertyType)).ToList();
        foreach (var child in section.GetChildren())
        {
            var property = properties.Find(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                errors.Add($"{child.Path}: unknown key; {section.Path} may hold {string.Join(", ", properties.Select(p => p.Name))}");
            }
            else
            {
                Collect(child, Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType, errors);
            }
        }
    }

    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
        || type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(Uri) || Nullable.GetUnderlyingType(type) is not null;

    private static Type? DictionaryValueType(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) ? type.GetGenericArguments()[1] : null;

    private static Type? ListElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[0]
        : null;
}
