using MoT.Data.Entities;

namespace MoT.Data.Queries;

/// <summary>The run filter language applied to runs already in memory (e.g. runs read from the grains, not the database).</summary>
public static class RunFilter
{
    /// <summary>The exact predicate of <paramref name="filter"/> (null or blank: every run).</summary>
    /// <exception cref="QuerySyntaxException">The filter is malformed or over a limit; the message names the column.</exception>
    public static Func<Run, bool> Compile(string? filter, FilterLimits? limits = null)
    {
        // The database expression is plain C# too (config paths call ConfigJson.Matches), so it runs in memory as is.
        return RunFilterCompiler.Compile(filter, limits)?.Compile() ?? (static _ => true);
    }

    /// <summary>The runs of <paramref name="runs"/> that match, with id prefixes checked against them as the database
    /// query checks them against the store (a prefix matching two ids is an error naming it).</summary>
    /// <exception cref="QuerySyntaxException">The filter is malformed, over a limit, or an id prefix is ambiguous.</exception>
    public static List<T> Apply<T>(IEnumerable<T> runs, Func<T, Run> entityOf, string? filter, FilterLimits? limits = null)
    {
        var compiled = RunFilterCompiler.CompileWithPrefixes(filter, limits);
        if (compiled is null) return [.. runs];
        var all = runs.ToList();
        foreach (var prefix in compiled.Prefixes)
        {
            var matches = prefix.Matches.Compile();
            var value = prefix.Value.Compile();
            var ids = all.Select(entityOf).Where(matches).Select(r => value(r)!.Value).Distinct().Order().Take(4).ToList();
            if (ids.Count > 1) throw prefix.Ambiguous(ids);
        }
        var predicate = compiled.Predicate.Compile();
        return [.. all.Where(r => predicate(entityOf(r)))];
    }

    /// <summary>Null when <paramref name="filter"/> parses within <paramref name="limits"/>, else the parser's message
    /// (which names the column or the limit).</summary>
    public static string? Validate(string? filter, FilterLimits? limits = null)
    {
        try
        {
            RunFilterCompiler.Compile(filter, limits);
            return null;
        }
        catch (QuerySyntaxException e)
        {
            return e.Message;
        }
    }
}
