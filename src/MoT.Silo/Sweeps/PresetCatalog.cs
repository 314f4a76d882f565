using MoT.Training.Models;

namespace MoT.Silo.Sweeps;

/// <summary>A model preset as the forms offer it.</summary>
/// <param name="Family">Leaderboard family: Dense, MoT, TokenChoice or ExpertChoice.</param>
public sealed record PresetInfo(string Name, string Family, string Size, int SeqLen, int BatchSize);

/// <summary>The model presets (MoT.Training's <see cref="ModelPresets"/>) as the forms offer them.</summary>
public static class PresetCatalog
{
    public static IReadOnlyList<string> Names => ModelPresets.Known;

    /// <summary>The preset named <paramref name="name"/>, or null when it is not a known preset.</summary>
    public static PresetInfo? Find(string? name)
    {
        var known = Names.FirstOrDefault(n => string.Equals(n, name?.Trim(), StringComparison.OrdinalIgnoreCase));
        if (known is null) return null;
        var preset = ModelPresets.Get(known);
        return new PresetInfo(preset.Name, preset.Family == "Transformer" ? "Dense" : preset.Family, preset.Size,
            preset.Config.ContextLength, preset.DefaultBatchSize);
    }

    /// <summary>The Token Choice preset of the same size and experts as a MoT preset (transition-tuning target).</summary>
    public static string? TokenChoiceCounterpart(string? motPreset) =>
        motPreset is not null && motPreset.StartsWith("MoT-", StringComparison.OrdinalIgnoreCase)
            ? Find("TokenChoice-" + motPreset[4..].Split('/')[0] + "/" + motPreset.Split('/')[1])?.Name
            : null;
}
