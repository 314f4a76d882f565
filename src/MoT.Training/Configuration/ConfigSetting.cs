using System.Globalization;

namespace MoT.Training.Configuration;

/// <summary>The type of a config value.</summary>
public enum SettingKind
{
    /// <summary>A whole number.</summary>
    Integer,
    /// <summary>A finite real number.</summary>
    Number,
    /// <summary>Text, often one of a few names.</summary>
    Text,
    /// <summary>true or false.</summary>
    Flag,
    /// <summary>A list of whole numbers.</summary>
    IntegerList,
}

/// <summary>One problem with a config, named by its path (e.g. <c>training.steps</c>).</summary>
public sealed record ConfigProblem(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>
/// One setting of a run config: where it lives in the platform's run config (<see cref="RunPath"/>, what sweeps and the
/// dashboard write) and in the trainer's own document (<see cref="DocumentPath"/>, what <c>mot train --config</c> reads),
/// its type, range and allowed values. Either path may be null when the setting exists in one form only.
/// </summary>
public sealed record ConfigSetting(string? RunPath, string? DocumentPath, SettingKind Kind, string Description)
{
    /// <summary>Lowest allowed value (numbers and whole numbers).</summary>
    public double? Min { get; init; }
    public bool MinExclusive { get; init; }
    /// <summary>Highest allowed value.</summary>
    public double? Max { get; init; }
    public bool MaxExclusive { get; init; }
    /// <summary>The <see cref="InputLimits"/> property that sets <see cref="Max"/> (or a text length), named in errors.</summary>
    public string? Limit { get; init; }
    /// <summary>For text: the longest value.</summary>
    public int MaxLength { get; init; }
    /// <summary>For text: the names it must be one of (any case), or null when <see cref="Rule"/> decides.</summary>
    public IReadOnlyList<string>? Allowed { get; init; }
    /// <summary>For text: a check beyond <see cref="Allowed"/>; returns the problem or null.</summary>
    public Func<string, string?>? Rule { get; init; }
    /// <summary>For text with a <see cref="Rule"/>: what is allowed, in words (docs and errors).</summary>
    public string? AllowedInWords { get; init; }

    /// <summary>The path users see first: the run-config path, else the trainer document's.</summary>
    public string Name => RunPath ?? DocumentPath!;

    /// <summary>Type, range and allowed values in words, e.g. <c>whole number, 1 to 10,000,000 (MaxSteps)</c>.</summary>
    public string Constraint => Kind switch
    {
        SettingKind.Integer => $"whole number, {Range()}",
        SettingKind.IntegerList => $"list of whole numbers, each {Range()}",
        SettingKind.Number => $"number, {Range()}",
        SettingKind.Flag => "true or false",
        _ => (Allowed is not null ? "one of " + string.Join(", ", Allowed) : AllowedInWords ?? "text")
             + $" (at most {MaxLength:N0} characters{(Limit is null ? "" : $", {Limit}")})",
    };

    /// <summary>The allowed range in words, e.g. <c>from 1 to 10,000,000 (limit MaxSteps)</c>.</summary>
    public string RangeText => Range();

    private string Range()
    {
        var low = Min is null ? "" : MinExclusive ? $"above {Format(Min.Value)}" : $"from {Format(Min.Value)}";
        var high = Max is null ? "" : MaxExclusive ? $"below {Format(Max.Value)}" : $"{(MinExclusive || Min is null ? "at most " : "to ")}{Format(Max.Value)}";
        var range = (low, high) switch
        {
            ("", "") => "any",
            (_, "") => low,
            ("", _) => high,
            _ => MinExclusive || MaxExclusive ? $"{low} and {high}" : $"{low} {high}",
        };
        return Limit is null ? range : $"{range} (limit {Limit})";
    }

    /// <summary>A number as users write it: thousands separated when whole, otherwise shortest round-trip form.</summary>
    public static string Format(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e15 ? value.ToString("N0", CultureInfo.InvariantCulture)
        : value.ToString("R", CultureInfo.InvariantCulture);
}
