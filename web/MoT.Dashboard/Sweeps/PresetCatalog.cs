namespace MoT.Dashboard.Sweeps;

/// <summary>A model preset as the forms offer it.</summary>
/// <param name="Family">Leaderboard family: Dense, MoT, TokenChoice or ExpertChoice.</param>
public sealed record PresetInfo(string Name, string Family, string Size, int SeqLen, int BatchSize);

/// <summary>
/// Preset names for the forms, mirroring <c>MoT.Training.Models.ModelPresets.Known</c> (same names, sizes' context
/// length and batch). Not referenced directly so that the dashboard does not ship libtorch while it trains with the
/// simulated executor; when the TorchSharp executor is wired in, replace this list with ModelPresets.Known.
/// </summary>
public static class PresetCatalog
{
    private static readonly Dictionary<string, (int SeqLen, int Batch)> Sizes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Tiny"] = (128, 16), ["Small"] = (128, 16), ["Medium"] = (256, 256), ["Base"] = (256, 256),
    };

    public static IReadOnlyList<string> Names { get; } =
    [
        "Transformer-Tiny", "MoT-Tiny/8E", "MoT-Tiny/8E/4", "TokenChoice-Tiny/8E", "ExpertChoice-Tiny/8E",
        "Transformer-Small", "MoT-Small/16E", "MoT-Small/16E/4", "TokenChoice-Small/16E", "ExpertChoice-Small/16E",
        "Transformer-Medium", "MoT-Medium/32E", "MoT-Medium/32E/8", "MoT-Medium/32E/16",
        "TokenChoice-Medium/32E", "ExpertChoice-Medium/32E",
        "Transformer-Base", "MoT-Base/32E", "MoT-Base/64E/16", "TokenChoice-Base/32E", "ExpertChoice-Base/32E",
    ];

    /// <summary>The preset named <paramref name="name"/>, or null when it is not a known preset.</summary>
    public static PresetInfo? Find(string? name)
    {
        var known = Names.FirstOrDefault(n => string.Equals(n, name?.Trim(), StringComparison.OrdinalIgnoreCase));
        if (known is null) return null;
        var dash = known.IndexOf('-');
        var family = known[..dash];
        var size = known[(dash + 1)..].Split('/')[0];
        var (seqLen, batch) = Sizes[size];
        return new PresetInfo(known, family == "Transformer" ? "Dense" : family, size, seqLen, batch);
    }

    /// <summary>The Token Choice preset of the same size and experts as a MoT preset (transition-tuning target).</summary>
    public static string? TokenChoiceCounterpart(string? motPreset) =>
        motPreset is not null && motPreset.StartsWith("MoT-", StringComparison.OrdinalIgnoreCase)
            ? Find("TokenChoice-" + motPreset[4..].Split('/')[0] + "/" + motPreset.Split('/')[1])?.Name
            : null;
}
