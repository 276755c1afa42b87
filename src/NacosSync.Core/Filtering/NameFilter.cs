using NacosSync.Core.Options;

namespace NacosSync.Core.Filtering;

/// <summary>
/// Include / exclude patterns where <c>*</c> matches any run of characters (ordinal, case-sensitive,
/// as Nacos names are). A name passes when it matches an include (or the include list is empty)
/// and no exclude.
/// </summary>
internal sealed class NameFilter
{
    public static NameFilter All { get; } = new([], []);

    private readonly string[] _include;
    private readonly string[] _exclude;

    public NameFilter(IReadOnlyList<string> include, IReadOnlyList<string> exclude)
    {
        _include = [.. include.Where(p => !string.IsNullOrEmpty(p))];
        _exclude = [.. exclude.Where(p => !string.IsNullOrEmpty(p))];
    }

    public static NameFilter From(FilterOptions? options) =>
        options is null || (options.Include.Count == 0 && options.Exclude.Count == 0) ? All : new NameFilter(options.Include, options.Exclude);

    public bool Matches(string name) => (_include.Length == 0 || AnyMatches(_include, name)) && !AnyMatches(_exclude, name);

    // A loop, not Array.Exists with a lambda: this runs for every instance a run maps, and the closure was an allocation each time.
    private static bool AnyMatches(string[] patterns, string name)
    {
        foreach (var pattern in patterns)
        {
            if (Glob(pattern, name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Glob with <c>*</c> only; iterative with backtracking to the last star (linear in practice).</summary>
    internal static bool Glob(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (p < pattern.Length && pattern[p] == text[t])
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
