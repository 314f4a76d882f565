using Microsoft.Extensions.Configuration;

namespace MoT.Data.Queries;

/// <summary>
/// Bounds on a run filter, checked by the parser before anything is compiled or sent to a database: the dashboard
/// shares one process with the silo, so a filter must never be able to exhaust its stack or its database.
/// Configured under <see cref="SectionName"/> (e.g. <c>Queries:Filter:MaxTerms=500</c>).
/// </summary>
public sealed record FilterLimits
{
    /// <summary>Configuration section the limits bind from.</summary>
    public const string SectionName = "Queries:Filter";

    /// <summary>Largest nesting a deployment may configure: deeper would let the parser's own recursion grow unbounded.</summary>
    public const int NestingCeiling = 256;

    /// <summary>Most conditions a deployment may configure. EF Core writes an and/or chain without parentheses, SQLite
    /// parses it one level per term and refuses expressions deeper than 1000.</summary>
    public const int TermsCeiling = 900;

    /// <summary>The defaults: generous for hand-written filters, tiny next to a stack.</summary>
    public static FilterLimits Default { get; } = new();

    /// <summary>Characters in one filter.</summary>
    public int MaxLength { get; init; } = 8192;

    /// <summary>Levels of parentheses and <c>not</c> around a condition.</summary>
    public int MaxNesting { get; init; } = 32;

    /// <summary>Conditions in one filter; every value of an <c>in (...)</c> list and both ends of a <c>between</c> count.</summary>
    public int MaxTerms { get; init; } = 256;

    /// <summary>The configured limits (defaults for what is not set); a bad setting names its key.</summary>
    public static FilterLimits Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        return new FilterLimits
        {
            MaxLength = ReadInt(section, nameof(MaxLength), Default.MaxLength),
            MaxNesting = ReadInt(section, nameof(MaxNesting), Default.MaxNesting),
            MaxTerms = ReadInt(section, nameof(MaxTerms), Default.MaxTerms),
        }.Validate();
    }

    /// <summary>Throws naming the setting that is out of range.</summary>
    public FilterLimits Validate()
    {
        Check(nameof(MaxLength), MaxLength, 1, 1 << 20);
        Check(nameof(MaxNesting), MaxNesting, 1, NestingCeiling);
        Check(nameof(MaxTerms), MaxTerms, 1, TermsCeiling);
        return this;
    }

    /// <summary>The configuration key of a limit, as error messages name it.</summary>
    public static string KeyOf(string limit) => $"{SectionName}:{limit}";

    private static void Check(string name, int value, int min, int max)
    {
        if (value < min || value > max)
            throw new InvalidOperationException($"{KeyOf(name)} is {value}; it must be between {min} and {max}");
    }

    private static int ReadInt(IConfigurationSection section, string key, int fallback)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        return int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidOperationException($"{KeyOf(key)} is '{text}'; expected a whole number");
    }
}
