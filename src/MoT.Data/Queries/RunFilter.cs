using MoT.Data.Entities;

namespace MoT.Data.Queries;

/// <summary>The run filter language applied to runs already in memory (e.g. runs read from the grains, not the database).</summary>
public static class RunFilter
{
    /// <summary>The exact predicate of <paramref name="filter"/> (null or blank: every run).</summary>
    /// <exception cref="QuerySyntaxException">The filter is malformed; the message names the column.</exception>
    public static Func<Run, bool> Compile(string? filter)
    {
        // The database expression is plain C# too (config paths call ConfigJson.Matches), so it runs in memory as is.
        return RunFilterCompiler.Compile(filter)?.Compile() ?? (static _ => true);
    }

    /// <summary>Null when <paramref name="filter"/> parses, else the parser's message (which names the column).</summary>
    public static string? Validate(string? filter)
    {
        try
        {
            RunFilterCompiler.Compile(filter);
            return null;
        }
        catch (QuerySyntaxException e)
        {
            return e.Message;
        }
    }
}
